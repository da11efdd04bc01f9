#include "memories/MemoryStore.h"

#include "db/Database.h"
#include "db/FullTextQuery.h"
#include "util/Time.h"

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>

namespace Nexus {
namespace Memories {

using Db::Database;
using Db::FullTextQuery;

namespace {

// How many code points of content come before the first match in a hit's window.
const unsigned kWindowLead = 120;

/// " AND ..." for each part of range that is set, on the columns of alias.
std::string rangeClause(const DayRange& range, const std::string& alias)
{
	std::string sql;
	if (range.agentId) sql += " AND " + alias + ".agent_id = ?";
	if (range.from) sql += " AND " + alias + ".day >= ?";
	if (range.to) sql += " AND " + alias + ".day <= ?";
	return sql;
}

/// Binds range's parameters from index i on, in rangeClause's order.
void bindRange(sql::PreparedStatement& st, int& i, const DayRange& range)
{
	if (range.agentId) st.setUInt64(i++, *range.agentId);
	if (range.from) st.setString(i++, *range.from);
	if (range.to) st.setString(i++, *range.to);
}

/// One entry of a day's query (id, created_at, bytes, content).
Entry dayEntry(sql::ResultSet& rs, const std::string& agent, const std::string& day)
{
	Entry e;
	e.id = rs.getUInt64(1);
	e.agent = agent;
	e.day = day;
	e.createdAt = rs.getString(2);
	e.bytes = rs.getUInt(3);
	e.content = rs.getString(4);
	return e;
}

} // namespace

std::optional<std::uint64_t> MemoryStore::agentId(const std::string& slug)
{
	return Database::run([&]() -> std::optional<std::uint64_t> {
		auto& st = Database::prepare("SELECT id FROM agents WHERE slug = ?");
		st.setString(1, slug);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (!rs->next()) return std::nullopt;
		return rs->getUInt64(1);
	});
}

Entry MemoryStore::collect(std::uint64_t agentId, const std::string& agent, const std::string& day,
                           const std::string& content)
{
	return Database::run([&] {
		Db::Transaction tx;
		Entry e;
		e.agent = agent;
		e.day = day;
		e.createdAt = Time::toSql(Poco::Timestamp());
		e.bytes = static_cast<std::uint32_t>(content.size());
		auto& insert = Database::prepare(
		    "INSERT INTO memory_entries (agent_id, day, content, bytes, created_at) VALUES (?, ?, ?, ?, ?)");
		insert.setUInt64(1, agentId);
		insert.setString(2, day);
		insert.setString(3, content);
		insert.setUInt(4, e.bytes);
		insert.setString(5, e.createdAt);
		insert.executeUpdate();
		e.id = Database::lastInsertId();
		// The day's summary row, in the same transaction: concurrent entries
		// of one day queue on this row (a deadlock is retried by run()).
		auto& summary = Database::prepare(
		    "INSERT INTO memory_days (agent_id, day, entries, bytes, updated_at) VALUES (?, ?, 1, ?, ?) "
		    "ON DUPLICATE KEY UPDATE entries = entries + 1, bytes = bytes + VALUES(bytes), "
		    "updated_at = GREATEST(updated_at, VALUES(updated_at))");
		summary.setUInt64(1, agentId);
		summary.setString(2, day);
		summary.setUInt(3, e.bytes);
		summary.setString(4, e.createdAt);
		summary.executeUpdate();
		tx.commit();
		return e;
	});
}

std::vector<DayFile> MemoryStore::days(const DayRange& range, std::size_t limit,
                                       const std::optional<std::pair<std::string, std::uint64_t>>& after)
{
	// Newest day first; within a day by agent id, descending, so that both
	// orders run the same way along the primary key (agent_id, day) and the
	// index (day, agent_id): no sort, and the scan stops after limit rows.
	// STRAIGHT_JOIN keeps that plan: read memory_days in order, then look
	// up each row's agent (left free, the optimizer may sort every file).
	std::string sql = "SELECT d.agent_id, a.slug, d.day, d.entries, d.bytes, d.updated_at "
	                  "FROM memory_days d STRAIGHT_JOIN agents a ON a.id = d.agent_id WHERE TRUE" +
	                  rangeClause(range, "d");
	if (after) sql += " AND (d.day < ? OR (d.day = ? AND d.agent_id < ?))";
	sql += " ORDER BY d.day DESC, d.agent_id DESC LIMIT ?";
	return Database::run([&] {
		auto& st = Database::prepare(sql);
		int i = 1;
		bindRange(st, i, range);
		if (after)
		{
			st.setString(i++, after->first);
			st.setString(i++, after->first);
			st.setUInt64(i++, after->second);
		}
		st.setUInt(i, static_cast<unsigned>(limit));
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		std::vector<DayFile> files;
		while (rs->next())
		{
			DayFile f;
			f.agentId = rs->getUInt64(1);
			f.agent = rs->getString(2);
			f.day = rs->getString(3);
			f.entries = rs->getUInt(4);
			f.bytes = rs->getUInt64(5);
			f.updatedAt = rs->getString(6);
			files.push_back(std::move(f));
		}
		return files;
	});
}

std::vector<Entry> MemoryStore::day(const std::string& agent, const std::string& day)
{
	return Database::run([&] {
		auto& st = Database::prepare("SELECT e.id, e.created_at, e.bytes, e.content FROM memory_entries e "
		                             "JOIN agents a ON a.id = e.agent_id WHERE a.slug = ? AND e.day = ? ORDER BY e.id");
		st.setString(1, agent);
		st.setString(2, day);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		std::vector<Entry> entries;
		while (rs->next()) entries.push_back(dayEntry(*rs, agent, day));
		return entries;
	});
}

DayReader::DayReader(std::uint64_t agentId, std::string agent, std::string day):
    _agentId(agentId), _agent(std::move(agent)), _day(std::move(day))
{}

DayReader::~DayReader()
{
	if (!_open) return;
	try
	{
		std::unique_ptr<sql::Statement> st(Database::connection().createStatement());
		st->execute("COMMIT");
	}
	catch (const std::exception&)
	{
		// The connection is broken (or could not be reopened); the next
		// Database::run discards it, and with it the transaction.
	}
}

std::vector<Entry> DayReader::first()
{
	return Database::run([&] {
		_after = 0;
		_done = false;
		std::unique_ptr<sql::Statement> st(Database::connection().createStatement());
		// For the next transaction only, whatever the server's default.
		st->execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
		st->execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
		_open = true;
		return read();
	});
}

std::vector<Entry> DayReader::next()
{
	if (_done) return {};
	try
	{
		return read();
	}
	catch (const sql::SQLException&)
	{
		_open = false;
		Database::discard();
		throw;
	}
}

std::vector<Entry> DayReader::read()
{
	auto& st = Database::prepare("SELECT id, created_at, bytes, content FROM memory_entries "
	                             "WHERE agent_id = ? AND day = ? AND id > ? ORDER BY id LIMIT ?");
	st.setUInt64(1, _agentId);
	st.setString(2, _day);
	st.setUInt64(3, _after);
	st.setUInt(4, static_cast<unsigned>(MemoryStore::kDayChunk));
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	std::vector<Entry> entries;
	entries.reserve(MemoryStore::kDayChunk);
	while (rs->next()) entries.push_back(dayEntry(*rs, _agent, _day));
	if (!entries.empty()) _after = entries.back().id;
	_done = entries.size() < MemoryStore::kDayChunk;
	return entries;
}

std::vector<Hit> MemoryStore::search(const DayRange& range, const FullTextQuery& query, std::size_t limit,
                                     std::uint64_t offset)
{
	// An entry is a hit when the index finds an indexed word in it or a
	// scanned word occurs in it. Hits rank by how many of the query's words
	// they hold, then by the full-text relevance of the indexed words, then
	// newest first. Each word is counted in its own slot; unused slots are
	// NULL, so the statement's text (and its cached preparation) depends
	// only on which kinds of words the query has.
	const bool indexed = !query.indexed().empty();
	const bool scanned = !query.scanned().empty();
	const std::string match = "MATCH (e.content) AGAINST (? IN BOOLEAN MODE)";
	const std::string scan = "e.content REGEXP ?";
	std::string words;
	for (std::size_t k = 0; k < kMaxSearchWords; ++k)
		words += (k ? " + " : "") + std::string("COALESCE(e.content REGEXP ?, 0)");
	const std::string where = indexed && scanned ? "(" + match + " OR " + scan + ")" : indexed ? match : scan;
	// Rank and page on ids and scores only; then read the window of the
	// content around the first match (REGEXP_INSTR counts code points, 0
	// when none) for the hits of this page alone.
	const std::string ranked = "SELECT e.id, " + words + " AS words, " + (indexed ? match : std::string("0")) +
	                           " AS relevance FROM memory_entries e WHERE " + where + rangeClause(range, "e") +
	                           " ORDER BY words DESC, relevance DESC, e.id DESC LIMIT ? OFFSET ?";
	const std::string located =
	    "SELECT e.id, e.agent_id, e.day, e.created_at, e.bytes, e.content, r.words, r.relevance, "
	    "GREATEST(REGEXP_INSTR(e.content, ?) - " +
	    std::to_string(kWindowLead) + ", 1) AS start FROM (" + ranked + ") r JOIN memory_entries e ON e.id = r.id";
	const std::string sql = "SELECT w.id, a.slug, w.day, w.created_at, w.bytes, SUBSTRING(w.content, w.start, " +
	                        std::to_string(Hit::kWindowChars) + "), w.start > 1, w.start + " +
	                        std::to_string(Hit::kWindowChars) + " <= CHAR_LENGTH(w.content) FROM (" + located +
	                        ") w JOIN agents a ON a.id = w.agent_id ORDER BY w.words DESC, w.relevance DESC, w.id DESC";
	return Database::run([&] {
		auto& st = Database::prepare(sql);
		int i = 1;
		st.setString(i++, FullTextQuery::regexPattern(query.words()));
		for (std::size_t k = 0; k < kMaxSearchWords; ++k)
		{
			if (k < query.words().size())
				st.setString(i++, FullTextQuery::regexPattern({query.words()[k]}));
			else
				st.setNull(i++, 0);
		}
		if (indexed) st.setString(i++, query.anyTerms()); // relevance
		if (indexed) st.setString(i++, query.anyTerms()); // the condition
		if (scanned) st.setString(i++, FullTextQuery::regexPattern(query.scanned()));
		bindRange(st, i, range);
		st.setUInt(i++, static_cast<unsigned>(limit));
		st.setUInt64(i, offset);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		std::vector<Hit> hits;
		while (rs->next())
		{
			Hit h;
			h.entry.id = rs->getUInt64(1);
			h.entry.agent = rs->getString(2);
			h.entry.day = rs->getString(3);
			h.entry.createdAt = rs->getString(4);
			h.entry.bytes = rs->getUInt(5);
			h.window = rs->getString(6);
			h.clippedStart = rs->getBoolean(7);
			h.clippedEnd = rs->getBoolean(8);
			hits.push_back(std::move(h));
		}
		return hits;
	});
}

} // namespace Memories
} // namespace Nexus
