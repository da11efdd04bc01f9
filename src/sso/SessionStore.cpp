#include "sso/SessionStore.h"

#include "db/Database.h"
#include "db/Row.h"
#include "util/Time.h"

#include <cppconn/resultset.h>

#include <memory>
#include <sstream>

namespace Nexus {
namespace Sso {

using Db::Database;
namespace Row = Db::Row;

namespace {

const std::string kSessionColumns =
    "SELECT id, user_id, name, email, image, role, id_token, created_at, last_seen_at, expires_at FROM sso_sessions ";

Poco::Timestamp secondsBefore(const Poco::Timestamp& t, int seconds)
{
	return t - Poco::Timestamp::TimeDiff(seconds) * Poco::Timestamp::resolution();
}

Session readSession(sql::ResultSet& rs)
{
	Session s;
	s.id = rs.getUInt64(1);
	s.user.userId = rs.getString(2);
	s.user.name = rs.getString(3);
	s.user.email = rs.getString(4);
	s.user.image = rs.getString(5);
	s.user.role = rs.getString(6);
	s.idTokenRecord = Row::blob(rs, 7);
	s.createdAt = rs.getString(8);
	s.lastSeenAt = rs.getString(9);
	s.expiresAt = rs.getString(10);
	return s;
}

} // namespace

void SessionStore::saveLoginState(const std::string& stateHash, const LoginState& state,
                                  const Poco::Timestamp& expiresAt)
{
	Database::run([&] {
		auto& st = Database::prepare("INSERT INTO sso_login_states (state_hash, nonce, code_verifier, return_to, "
		                             "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
		st.setString(1, stateHash);
		st.setString(2, state.nonce);
		st.setString(3, state.codeVerifier);
		st.setString(4, state.returnTo);
		st.setString(5, Time::toSql(Poco::Timestamp()));
		st.setString(6, Time::toSql(expiresAt));
		st.executeUpdate();
	});
}

std::optional<LoginState> SessionStore::takeLoginState(const std::string& stateHash, const Poco::Timestamp& now)
{
	return Database::run([&]() -> std::optional<LoginState> {
		Db::Transaction tx;
		auto& select = Database::prepare("SELECT nonce, code_verifier, return_to, expires_at > ? FROM "
		                                 "sso_login_states WHERE state_hash = ? FOR UPDATE");
		select.setString(1, Time::toSql(now));
		select.setString(2, stateHash);
		std::unique_ptr<sql::ResultSet> rs(select.executeQuery());
		if (!rs->next()) return std::nullopt;
		LoginState state{rs->getString(1), rs->getString(2), rs->getString(3)};
		const bool live = rs->getBoolean(4);
		auto& remove = Database::prepare("DELETE FROM sso_login_states WHERE state_hash = ?");
		remove.setString(1, stateHash);
		remove.executeUpdate();
		tx.commit();
		if (!live) return std::nullopt;
		return state;
	});
}

std::optional<std::string> SessionStore::recordSignIn(const std::string& userId, const std::string& role,
                                                      const Poco::Timestamp& now, const Audit::Change& roleChange)
{
	return Database::run([&]() -> std::optional<std::string> {
		Db::Transaction tx;
		std::optional<std::string> previous;
		{
			auto& st = Database::prepare("SELECT role FROM sso_users WHERE user_id = ? FOR UPDATE");
			st.setString(1, userId);
			std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
			if (rs->next()) previous = rs->getString(1);
		}
		auto& st = Database::prepare("INSERT INTO sso_users (user_id, role, first_seen_at, last_sign_in_at) "
		                             "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE role = VALUES(role), "
		                             "last_sign_in_at = VALUES(last_sign_in_at)");
		st.setString(1, userId);
		st.setString(2, role);
		st.setString(3, Time::toSql(now));
		st.setString(4, Time::toSql(now));
		st.executeUpdate();
		if (previous && *previous != role) roleChange.write("role:" + *previous + "->" + role);
		tx.commit();
		return previous;
	});
}

std::uint64_t SessionStore::createSession(const std::string& tokenHash, const SessionUser& user,
                                          const std::string& idTokenRecord, const Poco::Timestamp& now,
                                          const Poco::Timestamp& expiresAt)
{
	return Database::run([&] {
		auto& st = Database::prepare("INSERT INTO sso_sessions (token_hash, user_id, name, email, image, role, "
		                             "id_token, created_at, last_seen_at, expires_at) "
		                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		st.setString(1, tokenHash);
		st.setString(2, user.userId);
		st.setString(3, user.name);
		st.setString(4, user.email);
		st.setString(5, user.image);
		st.setString(6, user.role);
		std::istringstream record(idTokenRecord);
		if (idTokenRecord.empty())
			st.setNull(7, sql::DataType::LONGVARBINARY);
		else
			st.setBlob(7, &record);
		st.setString(8, Time::toSql(now));
		st.setString(9, Time::toSql(now));
		st.setString(10, Time::toSql(expiresAt));
		st.executeUpdate();
		return Database::lastInsertId();
	});
}

std::optional<Session> SessionStore::findLive(const std::string& tokenHash, const Poco::Timestamp& now, int idleSeconds,
                                              int touchSeconds)
{
	return Database::run([&]() -> std::optional<Session> {
		auto& st = Database::prepare(kSessionColumns + "WHERE token_hash = ? AND expires_at > ? AND last_seen_at > ?");
		st.setString(1, tokenHash);
		st.setString(2, Time::toSql(now));
		st.setString(3, Time::toSql(secondsBefore(now, idleSeconds)));
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (!rs->next()) return std::nullopt;
		Session session = readSession(*rs);
		rs.reset();
		auto& touch = Database::prepare("UPDATE sso_sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?");
		touch.setString(1, Time::toSql(now));
		touch.setUInt64(2, session.id);
		touch.setString(3, Time::toSql(secondsBefore(now, touchSeconds)));
		touch.executeUpdate();
		return session;
	});
}

std::optional<Session> SessionStore::remove(const std::string& tokenHash)
{
	return Database::run([&]() -> std::optional<Session> {
		Db::Transaction tx;
		auto& st = Database::prepare(kSessionColumns + "WHERE token_hash = ? FOR UPDATE");
		st.setString(1, tokenHash);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (!rs->next()) return std::nullopt;
		Session session = readSession(*rs);
		rs.reset();
		auto& remove = Database::prepare("DELETE FROM sso_sessions WHERE id = ?");
		remove.setUInt64(1, session.id);
		remove.executeUpdate();
		tx.commit();
		return session;
	});
}

std::uint64_t SessionStore::purge(const Poco::Timestamp& now, int idleSeconds)
{
	return Database::run([&] {
		const std::string limit = " LIMIT " + std::to_string(kPurgeBatchRows);
		auto& states = Database::prepare("DELETE FROM sso_login_states WHERE expires_at <= ?" + limit);
		states.setString(1, Time::toSql(now));
		std::uint64_t removed = states.executeUpdate();
		auto& sessions =
		    Database::prepare("DELETE FROM sso_sessions WHERE expires_at <= ? OR last_seen_at <= ?" + limit);
		sessions.setString(1, Time::toSql(now));
		sessions.setString(2, Time::toSql(secondsBefore(now, idleSeconds)));
		removed += sessions.executeUpdate();
		return removed;
	});
}

} // namespace Sso
} // namespace Nexus
