#include "knowledge/KnowledgeStore.h"

#include "db/Database.h"
#include "http/HttpError.h"
#include "metrics/Invalidation.h"
#include "util/Time.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <cppconn/resultset.h>

#include <atomic>
#include <memory>

namespace Nexus {
namespace Knowledge {

using Db::Database;
using Db::FullTextQuery;

namespace {

/// The audit log's name for an entity.
std::string auditTarget(const std::string& kind, const std::string& name)
{
	return "knowledge:" + kind + "/" + name;
}

const std::string kColumns =
    "k.kind, k.name, k.title, k.content, k.spec, k.tags, k.links, k.version, k.created_at, k.updated_at";

/// The full-text search of the candidates (in the condition and the score).
const std::string kMatchAll = "MATCH(k.title, k.content, k.search_text) AGAINST(? IN BOOLEAN MODE)";

bool isAscii(const std::string& s)
{
	for (unsigned char c : s)
		if (c >= 0x80) return false;
	return true;
}

/// The relevance of a row as an exact decimal, so that a cursor can hold it.
const char* const kScoreType = "DECIMAL(20,6)";

Entity readEntity(sql::ResultSet& rs)
{
	Entity e;
	e.kind = rs.getString(1);
	e.name = rs.getString(2);
	e.title = rs.getString(3);
	e.content = rs.getString(4);
	e.spec = rs.getString(5);
	Poco::StringTokenizer tags(rs.getString(6), " ", Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	e.tags.assign(tags.begin(), tags.end());
	const auto links = Poco::JSON::Parser().parse(std::string(rs.getString(7))).extract<Poco::JSON::Array::Ptr>();
	for (std::size_t i = 0; i < links->size(); ++i)
	{
		const auto o = links->getObject(static_cast<unsigned>(i));
		e.links.push_back({o->getValue<std::string>("url"), o->optValue<std::string>("title", "")});
	}
	e.version = rs.getUInt(8);
	e.createdAt = rs.getString(9);
	e.updatedAt = rs.getString(10);
	return e;
}

std::optional<Entity> select(const std::string& kind, const std::string& name, bool forUpdate)
{
	auto& st = Database::prepare("SELECT " + kColumns + " FROM knowledge k WHERE k.kind = ? AND k.name = ?" +
	                             (forUpdate ? " FOR UPDATE" : ""));
	st.setString(1, kind);
	st.setString(2, name);
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	if (!rs->next()) return std::nullopt;
	return readEntity(*rs);
}

/// The cursor of a list: its parts joined by '\n' (names and kinds hold no
/// '\n'). "k" lists by kind and name; "s" by score, then kind and name.
std::string cursorOf(const std::vector<std::string>& parts)
{
	return Poco::cat(std::string("\n"), parts.begin(), parts.end());
}

std::vector<std::string> splitCursor(const std::string& cursor)
{
	std::vector<std::string> parts;
	std::size_t start = 0;
	for (;;)
	{
		const auto end = cursor.find('\n', start);
		parts.push_back(cursor.substr(start, end == std::string::npos ? std::string::npos : end - start));
		if (end == std::string::npos) return parts;
		start = end + 1;
	}
}

bool isDecimal(const std::string& s)
{
	std::size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0, digits = 0, dots = 0;
	for (; i < s.size(); ++i)
	{
		if (s[i] == '.' && dots++ == 0) continue;
		if (s[i] < '0' || s[i] > '9') return false;
		++digits;
	}
	return digits > 0 && digits <= 20;
}

[[noreturn]] void badCursor()
{
	throw Http::BadRequest("query parameter 'after' is not a cursor from a Link header of this list");
}

/// A statement under construction: its SQL and its parameters, in order
/// (none: NULL).
struct Sql
{
	std::string text;
	std::vector<std::optional<std::string>> params;

	Sql& operator<<(const std::string& s)
	{
		text += s;
		return *this;
	}
	Sql& bind(const std::optional<std::string>& value)
	{
		params.push_back(value);
		return *this;
	}
};

/// k.kind IN (?, ...) with one slot per kind there is: the kinds asked
/// for, padded with NULL (which matches nothing); every kind when none.
void kindCondition(Sql& sql, const std::vector<std::string>& kinds)
{
	const auto& all = Kinds::all();
	const auto& bound = kinds.empty() ? all : kinds;
	sql << "k.kind IN (";
	for (std::size_t i = 0; i < all.size(); ++i)
	{
		sql << (i ? ", ?" : "?");
		sql.bind(i < bound.size() ? std::optional<std::string>(bound[i]) : std::nullopt);
	}
	sql << ")";
}

std::optional<std::string> slot(const std::vector<std::string>& words, std::size_t i, const std::string& prefix,
                                const std::string& suffix)
{
	if (i >= words.size()) return std::nullopt;
	return prefix + words[i] + suffix;
}

/// The relevance of a row for search (see Db::FullTextQuery): full-text relevance
/// (dampened with LN so that a word repeated in a long text does not beat a
/// title) weighted title > name, tags, links and spec > content, plus
/// fixed bonuses for an exact name or title, an exact tag, and, for the
/// words the index cannot see, matches at a word start. Every word has its
/// own slot, NULL when the query has fewer words (IF(? IS NULL, 0, ...)
/// skips an empty slot at the cost of one test), so the text depends only
/// on whether the query has indexed words. The full-text MATCH over all
/// three columns is the one of the condition (the same text and terms), so
/// MariaDB runs that search once.
void scoreExpression(Sql& sql, const FullTextQuery& q)
{
	const bool indexed = !q.indexed().empty();
	sql << "100 * COALESCE(k.name = ?, 0) + 20 * (k.title = ?)";
	sql.bind(Kinds::isName(q.text()) ? std::optional<std::string>(q.text()) : std::nullopt).bind(q.text());
	if (indexed)
	{
		sql << " + 8 * LN(1 + MATCH(k.title) AGAINST(? IN BOOLEAN MODE))"
		    << " + 4 * LN(1 + MATCH(k.search_text) AGAINST(? IN BOOLEAN MODE))"
		    << " + 2 * LN(1 + " << kMatchAll << ")";
		sql.bind(q.anyTerms()).bind(q.anyTerms()).bind(q.requiredTerms());
	}
	std::vector<std::string> escaped;
	for (const auto& word : q.words()) escaped.push_back(FullTextQuery::likeEscape(word));
	for (std::size_t i = 0; i < KnowledgeStore::kMaxSearchWords; ++i)
	{
		const auto tag = slot(escaped, i, "% ", " %");
		sql << " + IF(? IS NULL, 0, 5 * (CONCAT(' ', k.tags, ' ') LIKE ?))";
		sql.bind(tag).bind(tag);
	}
	std::vector<std::string> scanned;
	for (const auto& word : q.scanned()) scanned.push_back(FullTextQuery::likeEscape(word));
	for (std::size_t i = 0; i < KnowledgeStore::kMaxSearchWords; ++i)
	{
		const auto start = slot(q.scanned(), i, "\\b", "");
		const auto inside = slot(scanned, i, "%", "%");
		sql << " + IF(? IS NULL, 0, 6 * (k.title REGEXP ?) + 2 * (k.title LIKE ?)"
		    << " + 3 * (k.search_text REGEXP ?) + 1 * (k.search_text LIKE ?)"
		    << " + 1 * (k.content REGEXP ?) + 0.25 * (k.content LIKE ?))";
		sql.bind(start).bind(start).bind(inside).bind(start).bind(inside).bind(start).bind(inside);
	}
	const auto phrase = q.words().size() > 1
	                        ? std::optional<std::string>("%" + FullTextQuery::likeEscape(q.text()) + "%")
	                        : std::nullopt;
	sql << " + IF(? IS NULL, 0, 6 * (k.title LIKE ?) + 1 * (k.content LIKE ?))";
	sql.bind(phrase).bind(phrase).bind(phrase);
}

std::vector<KnowledgeStore::Row> run(const KnowledgeStore::Statement& sql, std::size_t limit, bool scored)
{
	return Database::run([&] {
		auto& st = Database::prepare(sql.text);
		int i = 1;
		for (const auto& param : sql.params)
		{
			if (param)
				st.setString(i++, *param);
			else
				st.setNull(i++, sql::DataType::VARCHAR);
		}
		st.setUInt(i, static_cast<unsigned>(limit));
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		std::vector<KnowledgeStore::Row> rows;
		while (rs->next())
		{
			KnowledgeStore::Row row;
			row.entity = readEntity(*rs);
			row.cursor = scored ? cursorOf({"s", rs->getString(11), row.entity.kind, row.entity.name})
			                    : cursorOf({"k", row.entity.kind, row.entity.name});
			rows.push_back(std::move(row));
		}
		return rows;
	});
}

} // namespace

KnowledgeStore::PutResult KnowledgeStore::put(const Entity& entity, const Audit::Change& audit)
{
	auto result = Database::run([&] {
		// A concurrent create of the same entity makes the INSERT fail on the
		// unique key: the second attempt then finds the row and updates it.
		for (int attempt = 1;; ++attempt)
		{
			try
			{
				Db::Transaction tx;
				const auto current = select(entity.kind, entity.name, true);
				if (current && current->sameContent(entity))
				{
					tx.commit();
					return PutResult{*current, Change::Unchanged};
				}
				const std::string now = Time::toSql(Poco::Timestamp());
				auto& st = Database::prepare(
				    current
				        ? "UPDATE knowledge SET title = ?, content = ?, spec = ?, tags = ?, links = ?, "
				          "search_text = ?, version = version + 1, updated_at = ? WHERE kind = ? AND name = ?"
				        : "INSERT INTO knowledge (title, content, spec, tags, links, search_text, updated_at, kind, "
				          "name, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)");
				st.setString(1, entity.title);
				st.setString(2, entity.content);
				st.setString(3, entity.spec);
				st.setString(4, Poco::cat(std::string(" "), entity.tags.begin(), entity.tags.end()));
				st.setString(5, entity.linksJson());
				st.setString(6, entity.searchText());
				st.setString(7, now);
				st.setString(8, entity.kind);
				st.setString(9, entity.name);
				if (!current) st.setString(10, now);
				st.executeUpdate();
				auto stored = select(entity.kind, entity.name, false);
				audit.write(auditTarget(entity.kind, entity.name));
				tx.commit();
				return PutResult{*stored, current ? Change::Updated : Change::Created};
			}
			catch (const sql::SQLException& e)
			{
				if (e.getErrorCode() != Database::kDuplicateKey || attempt > 1) throw;
			}
		}
	});
	if (result.change != Change::Unchanged) Invalidation::bump(Invalidation::Topic::Knowledge);
	return result;
}

std::optional<Entity> KnowledgeStore::find(const std::string& kind, const std::string& name)
{
	return Database::run([&] { return select(kind, name, false); });
}

bool KnowledgeStore::remove(const std::string& kind, const std::string& name, const Audit::Change& audit)
{
	const bool removed = Database::run([&] {
		Db::Transaction tx;
		auto& st = Database::prepare("DELETE FROM knowledge WHERE kind = ? AND name = ?");
		st.setString(1, kind);
		st.setString(2, name);
		if (st.executeUpdate() == 0) return false;
		audit.write(auditTarget(kind, name));
		tx.commit();
		return true;
	});
	if (removed) Invalidation::bump(Invalidation::Topic::Knowledge);
	return removed;
}

KnowledgeStore::Statement KnowledgeStore::statementOf(const Filter& filter, const std::string& after)
{
	const auto cursor = after.empty() ? std::vector<std::string>() : splitCursor(after);
	Sql sql;
	if (!filter.search)
	{
		if (!cursor.empty() &&
		    (cursor.size() != 3 || cursor[0] != "k" || !Kinds::isKind(cursor[1]) || !Kinds::isName(cursor[2])))
			badCursor();
		sql << "SELECT " << kColumns << " FROM knowledge k WHERE ";
		kindCondition(sql, filter.kinds);
		if (!cursor.empty())
		{
			sql << " AND (k.kind > ? OR (k.kind = ? AND k.name > ?))";
			sql.bind(cursor[1]).bind(cursor[1]).bind(cursor[2]);
		}
		sql << " ORDER BY k.kind, k.name LIMIT ?";
		return {sql.text, sql.params, false};
	}

	if (!cursor.empty() && (cursor.size() != 4 || cursor[0] != "s" || !isDecimal(cursor[1]) ||
	                        !Kinds::isKind(cursor[2]) || !Kinds::isName(cursor[3])))
		badCursor();
	const FullTextQuery& q = *filter.search;
	const bool indexed = !q.indexed().empty();
	// Rank and page on ids, sort keys and scores only (the candidates are
	// read once, nothing of them is written to a temporary table but these
	// four columns); then read the rows of this page alone.
	sql << "SELECT " << kColumns << ", r.score FROM (SELECT k.id, k.kind, k.name, CAST(";
	scoreExpression(sql, q);
	sql << " AS " << kScoreType << ") AS score FROM knowledge k WHERE ";
	kindCondition(sql, filter.kinds);
	if (indexed)
	{
		// The candidates: what the index finds for every indexed word.
		sql << " AND " << kMatchAll;
		sql.bind(q.requiredTerms());
	}
	else
	{
		// Only words the index does not hold: the candidates are the names
		// that start with the first word (a range of the (kind, name) key),
		// never a scan of the table.
		sql << " AND k.name LIKE ?";
		sql.bind(FullTextQuery::likeEscape(q.words().front()) + "%");
	}
	// Words the index does not hold narrow the candidates down.
	std::vector<std::string> scanned;
	for (const auto& word : q.scanned()) scanned.push_back(FullTextQuery::likeEscape(word));
	for (std::size_t i = 0; i < kMaxSearchWords; ++i)
	{
		const auto inside = slot(scanned, i, "%", "%");
		sql << " AND (? IS NULL OR k.title LIKE ? OR k.search_text LIKE ? OR k.content LIKE ?)";
		sql.bind(inside).bind(inside).bind(inside).bind(inside);
	}
	sql << " HAVING ? IS NULL OR score < CAST(? AS " << kScoreType << ") OR (score = CAST(? AS " << kScoreType
	    << ") AND (k.kind > ? OR (k.kind = ? AND k.name > ?)))";
	for (std::size_t i = 0; i < 6; ++i)
	{
		static const std::size_t kPart[] = {1, 1, 1, 2, 2, 3};
		sql.bind(cursor.empty() ? std::nullopt : std::optional<std::string>(cursor[kPart[i]]));
	}
	sql << " ORDER BY score DESC, k.kind, k.name LIMIT ?) r JOIN knowledge k ON k.id = r.id"
	    << " ORDER BY r.score DESC, r.kind, r.name";
	return {sql.text, sql.params, true};
}

std::vector<KnowledgeStore::Row> KnowledgeStore::list(const Filter& filter, std::size_t limit, const std::string& after)
{
	const auto statement = statementOf(filter, after);
	// A query of only short words looks for names that start with the
	// first; names are ASCII, so a word that is not finds nothing.
	if (filter.search && filter.search->indexed().empty() && !isAscii(filter.search->words().front())) return {};
	return run(statement, limit, statement.scored);
}

std::pair<std::size_t, std::size_t> KnowledgeStore::tokenSizes()
{
	static std::atomic<std::size_t> minSize{0};
	static std::atomic<std::size_t> maxSize{0};
	if (minSize == 0)
	{
		Database::run([] {
			auto& st = Database::prepare("SELECT @@innodb_ft_min_token_size, @@innodb_ft_max_token_size");
			std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
			rs->next();
			maxSize = rs->getUInt(2);
			minSize = rs->getUInt(1);
			return true;
		});
	}
	return {minSize, maxSize};
}

} // namespace Knowledge
} // namespace Nexus
