#include "audit/AuditStore.h"

#include "audit/AuditKey.h"
#include "db/Database.h"
#include "db/LeaseStore.h"
#include "db/Row.h"
#include "util/Utf8.h"

#include <Poco/Logger.h>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <chrono>
#include <memory>
#include <thread>

namespace Nexus {
namespace Audit {

using Db::Database;
namespace Row = Db::Row;

namespace {

const std::string kColumns =
    "SELECT id, at, request_id, principal, action, target, outcome, client, seq, prev_hash, hash, row_mac "
    "FROM audit_log ";

/// U+FFFD, the replacement character, and U+2026, the ellipsis.
const char* const kReplacement = "\xEF\xBF\xBD";
const char* const kEllipsis = "\xE2\x80\xA6";

/// The driver's DATETIME(3) text in Entry's form: a prepared statement gives
/// "YYYY-MM-DD HH:MM:SS" when the fraction is zero and six digits otherwise.
std::string normalizeTime(std::string s)
{
	if (s.size() == 19) s += ".";
	if (s.size() < 23) s.append(23 - s.size(), '0');
	s.resize(23);
	return s;
}

/// Rows per sealing UPDATE at most (a power of two).
const std::size_t kSealChunk = 64;

/// "UPDATE audit_log SET seq = CASE id WHEN ? THEN ? ... END, ... WHERE
/// seq IS NULL AND id IN (?, ...)" for n rows.
std::string sealStatement(std::size_t n)
{
	std::string whenThen;
	for (std::size_t i = 0; i < n; ++i) whenThen += " WHEN ? THEN ?";
	std::string ids = "?";
	for (std::size_t i = 1; i < n; ++i) ids += ", ?";
	return "UPDATE audit_log SET seq = CASE id" + whenThen + " END, prev_hash = CASE id" + whenThen +
	       " END, hash = CASE id" + whenThen + " END, seal_epoch = ? WHERE seq IS NULL AND id IN (" + ids + ")";
}

Entry readEntry(sql::ResultSet& rs)
{
	Entry e;
	e.id = rs.getUInt64(1);
	e.at = normalizeTime(rs.getString(2));
	e.requestId = rs.getString(3);
	e.principal = rs.getString(4);
	e.action = rs.getString(5);
	e.target = rs.getString(6);
	e.outcome = rs.getString(7);
	e.client = rs.getString(8);
	e.seq = Row::optionalUInt64(rs, 9);
	e.prevHash = Row::optionalString(rs, 10);
	e.hash = Row::optionalString(rs, 11);
	e.rowMac = Row::optionalString(rs, 12);
	return e;
}

std::vector<Entry> readEntries(sql::PreparedStatement& st)
{
	return Row::readAll<Entry>(st, readEntry);
}

/// One INSERT of entries (at least one) on the thread's connection, each
/// with its row MAC when the log is keyed (over the values as stored). A
/// row whose write key is already there is skipped, not stored again: the
/// statement may be run again after a lost connection (Database::run, the
/// group commit's one-by-one writes) when it had in fact committed.
void insertRows(const std::vector<const Entry*>& entries)
{
	const AuditKeyPtr key = KeySource::current();
	// One statement text per batch size; the statement cache keeps each.
	std::string sql =
	    "INSERT INTO audit_log (at, request_id, principal, action, target, outcome, client, row_mac, write_key) "
	    "VALUES ";
	for (std::size_t i = 0; i < entries.size(); ++i)
		sql += i == 0 ? "(?, ?, ?, ?, ?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?, ?, ?, ?, ?)";
	sql += " ON DUPLICATE KEY UPDATE id = id";
	auto& st = Database::prepare(sql);
	int column = 1;
	for (const Entry* entry : entries)
	{
		Entry stored;
		stored.at = entry->at;
		stored.requestId = AuditStore::fitAscii(entry->requestId, AuditStore::kMaxAsciiBytes);
		stored.principal = AuditStore::fitText(entry->principal, AuditStore::kMaxPrincipalChars);
		stored.action = AuditStore::fitAscii(entry->action, AuditStore::kMaxAsciiBytes);
		stored.target = AuditStore::fitText(entry->target, AuditStore::kMaxTargetChars);
		stored.outcome = entry->outcome;
		stored.client = AuditStore::fitAscii(entry->client, AuditStore::kMaxAsciiBytes);
		for (const std::string* field : {&stored.at, &stored.requestId, &stored.principal, &stored.action,
		                                 &stored.target, &stored.outcome, &stored.client})
			st.setString(column++, *field);
		if (key)
			st.setString(column++, Chain::rowMac(key->rowKey, stored));
		else
			st.setNull(column++, sql::DataType::CHAR);
		if (entry->writeKey.empty())
			st.setNull(column++, sql::DataType::CHAR);
		else
			st.setString(column++, AuditStore::fitAscii(entry->writeKey, AuditStore::kWriteKeyChars));
	}
	st.executeUpdate();
}

} // namespace

void AuditStore::append(const Entry& entry)
{
	appendAll({&entry});
}

void AuditStore::appendAll(const std::vector<const Entry*>& entries)
{
	if (entries.empty()) return;
	Database::run([&] { insertRows(entries); });
}

void AuditStore::insert(const Entry& entry)
{
	insertRows({&entry});
}

std::string AuditStore::fitText(const std::string& s, std::size_t maxChars)
{
	// Pass 1: the characters, each valid and printable (or replaced).
	std::vector<std::string> chars;
	for (std::size_t i = 0; i < s.size();)
	{
		const std::size_t n = Utf8::sequenceAt(s, i);
		const auto c = static_cast<unsigned char>(s[i]);
		const bool control =
		    n == 1 ? (c < 0x20 || c == 0x7F) : n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0; // C1
		chars.push_back(n == 0 || control ? std::string(kReplacement) : s.substr(i, n));
		i += n == 0 ? 1 : n;
	}
	// Pass 2: cut at a character boundary, with an ellipsis that shows the cut.
	std::string out;
	const bool cut = chars.size() > maxChars;
	const std::size_t keep = cut ? (maxChars > 0 ? maxChars - 1 : 0) : chars.size();
	for (std::size_t i = 0; i < keep; ++i) out += chars[i];
	if (cut && maxChars > 0) out += kEllipsis;
	return out;
}

std::string AuditStore::fitAscii(const std::string& s, std::size_t maxBytes)
{
	std::string out = s.substr(0, maxBytes);
	for (char& c : out)
		if (c < 0x20 || c > 0x7E) c = '?';
	return out;
}

AuditStore::SealLock::SealLock(int waitSeconds, int holdMs): _owner(Db::LeaseStore::ownerName()), _holdMs(holdMs)
{
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(waitSeconds);
	for (;;)
	{
		_epoch = Db::LeaseStore::acquire(Db::LeaseStore::kAuditSeal, _owner, _holdMs);
		if (_epoch || std::chrono::steady_clock::now() >= deadline) return;
		std::this_thread::sleep_for(std::chrono::milliseconds(200));
	}
}

AuditStore::SealLock::~SealLock()
{
	if (_epoch) Db::LeaseStore::release(Db::LeaseStore::kAuditSeal, _owner);
}

bool AuditStore::SealLock::confirm() const
{
	return _epoch && Db::LeaseStore::confirm(Db::LeaseStore::kAuditSeal, _owner, *_epoch, kLeaseMs);
}

void AuditStore::useReadCommitted()
{
	std::unique_ptr<sql::Statement> st(Database::connection().createStatement());
	st->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
}

void AuditStore::useRepeatableRead()
{
	std::unique_ptr<sql::Statement> st(Database::connection().createStatement());
	st->execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
}

std::optional<Entry> AuditStore::lockHead()
{
	auto& st = Database::prepare(kColumns + "WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1 FOR UPDATE");
	auto rows = readEntries(st);
	if (rows.empty()) return std::nullopt;
	return rows.front();
}

bool AuditStore::setRowMac(std::uint64_t id, const std::string& rowMac)
{
	auto& st = Database::prepare("UPDATE audit_log SET row_mac = ? WHERE id = ? AND row_mac IS NULL AND seq IS NULL");
	st.setString(1, rowMac);
	st.setUInt64(2, id);
	return st.executeUpdate() == 1;
}

std::optional<std::uint64_t> AuditStore::firstUnsealedId()
{
	auto& st = Database::prepare("SELECT MIN(id) FROM audit_log WHERE seq IS NULL");
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	if (!rs->next() || rs->isNull(1)) return std::nullopt;
	return rs->getUInt64(1);
}

std::vector<Entry> AuditStore::unsealed(std::uint64_t fromId, const std::string& cutoff, std::size_t limit)
{
	auto& st = Database::prepare(kColumns + "WHERE seq IS NULL AND id >= ? AND at < ? ORDER BY id LIMIT ?");
	st.setUInt64(1, fromId);
	st.setString(2, cutoff);
	st.setUInt(3, static_cast<unsigned>(limit));
	return readEntries(st);
}

bool AuditStore::seal(const std::vector<Entry>& entries, std::uint64_t epoch)
{
	// One UPDATE per chunk of 64, 32, ..., 1 rows: few round trips, and at
	// most seven statement shapes in the connection's cache.
	std::size_t done = 0;
	for (std::size_t chunk = kSealChunk; done < entries.size(); chunk /= 2)
	{
		while (entries.size() - done >= chunk)
		{
			auto& st = Database::prepare(sealStatement(chunk));
			int i = 0;
			for (std::size_t k = done; k < done + chunk; ++k)
			{
				st.setUInt64(++i, entries[k].id);
				st.setUInt64(++i, entries[k].seq.value());
			}
			for (std::size_t k = done; k < done + chunk; ++k)
			{
				st.setUInt64(++i, entries[k].id);
				st.setString(++i, entries[k].prevHash.value());
			}
			for (std::size_t k = done; k < done + chunk; ++k)
			{
				st.setUInt64(++i, entries[k].id);
				st.setString(++i, entries[k].hash.value());
			}
			st.setUInt64(++i, epoch);
			for (std::size_t k = done; k < done + chunk; ++k) st.setUInt64(++i, entries[k].id);
			// Matched rows (CLIENT_FOUND_ROWS): each must still have been unsealed.
			if (st.executeUpdate() != static_cast<int>(chunk)) return false;
			done += chunk;
		}
	}
	return true;
}

std::vector<Entry> AuditStore::sealedAfter(std::uint64_t afterSeq, std::size_t limit)
{
	auto& st = Database::prepare(kColumns + "WHERE seq > ? ORDER BY seq LIMIT ?");
	st.setUInt64(1, afterSeq);
	st.setUInt(2, static_cast<unsigned>(limit));
	return readEntries(st);
}

std::vector<Entry> AuditStore::unsealedAfter(std::uint64_t afterId, std::size_t limit)
{
	auto& st = Database::prepare(kColumns + "WHERE seq IS NULL AND id > ? ORDER BY id LIMIT ?");
	st.setUInt64(1, afterId);
	st.setUInt(2, static_cast<unsigned>(limit));
	return readEntries(st);
}

std::vector<Entry> AuditStore::list(const Filter& filter, std::size_t limit, std::uint64_t beforeId)
{
	// The case-insensitive column collation finds the candidates through the
	// index, the binary comparison keeps only exact matches.
	std::string sql = kColumns + "WHERE 1 = 1";
	if (filter.principal) sql += " AND principal = ? AND principal COLLATE utf8mb4_bin = ?";
	if (filter.action) sql += " AND action = ?";
	if (filter.target) sql += " AND target = ? AND target COLLATE utf8mb4_bin = ?";
	if (filter.since) sql += " AND at >= ?";
	if (filter.until) sql += " AND at < ?";
	if (beforeId > 0) sql += " AND id < ?";
	sql += " ORDER BY id DESC LIMIT ?";
	return Database::run([&] {
		auto& st = Database::prepare(sql);
		int i = 0;
		if (filter.principal)
		{
			st.setString(++i, *filter.principal);
			st.setString(++i, *filter.principal);
		}
		if (filter.action) st.setString(++i, *filter.action);
		if (filter.target)
		{
			st.setString(++i, *filter.target);
			st.setString(++i, *filter.target);
		}
		if (filter.since) st.setString(++i, *filter.since);
		if (filter.until) st.setString(++i, *filter.until);
		if (beforeId > 0) st.setUInt64(++i, beforeId);
		st.setUInt(++i, static_cast<unsigned>(limit));
		return readEntries(st);
	});
}

} // namespace Audit
} // namespace Nexus
