#include "idempotency/IdempotencyStore.h"

#include "db/Database.h"
#include "db/Row.h"
#include "util/Time.h"

#include <cppconn/resultset.h>

#include <memory>
#include <sstream>
#include <stdexcept>

namespace Nexus {
namespace Idempotency {

using Db::Database;

std::optional<std::string> IdempotencyStore::claim(const std::string& principalHash, const std::string& key,
                                                   const Poco::Timestamp& now, const Poco::Timestamp& expiresAt)
{
	auto& insert = Database::prepare("INSERT INTO idempotency_keys (principal_hash, idem_key, answer, created_at, "
	                                 "expires_at) VALUES (?, ?, NULL, ?, ?)");
	insert.setString(1, principalHash);
	insert.setString(2, key);
	insert.setString(3, Time::toSql(now));
	insert.setString(4, Time::toSql(expiresAt));
	try
	{
		insert.executeUpdate();
		return std::nullopt;
	}
	catch (const sql::SQLException& e)
	{
		if (e.getErrorCode() != Database::kDuplicateKey) throw;
	}
	// The INSERT waited for the transaction holding the row and found it
	// committed. A shared lock, not FOR UPDATE: retries waiting on the same
	// row all hold shared locks after their INSERTs failed, and would
	// deadlock each other asking for exclusive ones.
	auto& select = Database::prepare(
	    "SELECT answer, expires_at FROM idempotency_keys WHERE principal_hash = ? AND idem_key = ? LOCK IN SHARE MODE");
	select.setString(1, principalHash);
	select.setString(2, key);
	std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
	if (!rs->next()) throw std::runtime_error("idempotency key row vanished between INSERT and SELECT");
	const bool answered = !rs->isNull(1);
	const Poco::Timestamp expires = Time::fromSql(rs->getString(2));
	if (expires > now && answered) return Db::Row::blob(*rs, 1);
	// Expired (or, which a commit never leaves, without an answer): the key is free again.
	auto& takeOver = Database::prepare("UPDATE idempotency_keys SET answer = NULL, created_at = ?, expires_at = ? "
	                                   "WHERE principal_hash = ? AND idem_key = ?");
	takeOver.setString(1, Time::toSql(now));
	takeOver.setString(2, Time::toSql(expiresAt));
	takeOver.setString(3, principalHash);
	takeOver.setString(4, key);
	takeOver.executeUpdate();
	return std::nullopt;
}

void IdempotencyStore::answer(const std::string& principalHash, const std::string& key, const std::string& sealed)
{
	auto& st = Database::prepare("UPDATE idempotency_keys SET answer = ? WHERE principal_hash = ? AND idem_key = ?");
	std::istringstream blob(sealed);
	st.setBlob(1, &blob);
	st.setString(2, principalHash);
	st.setString(3, key);
	st.executeUpdate();
}

std::size_t IdempotencyStore::purgeExpired(const Poco::Timestamp& now, std::size_t limit)
{
	return Database::run([&] {
		auto& st = Database::prepare("DELETE FROM idempotency_keys WHERE expires_at <= ? LIMIT ?");
		st.setString(1, Time::toSql(now));
		st.setUInt(2, static_cast<unsigned>(limit));
		return static_cast<std::size_t>(st.executeUpdate());
	});
}

} // namespace Idempotency
} // namespace Nexus
