#include "agents/AgentStore.h"

#include "auth/Token.h"
#include "db/Database.h"
#include "db/Row.h"
#include "http/HttpError.h"
#include "metrics/Invalidation.h"
#include "util/Hex.h"
#include "util/Time.h"

#include <cppconn/resultset.h>

#include <memory>

namespace Nexus {
namespace Agents {

using Db::Database;
namespace Row = Db::Row;

namespace {

// Shared column list; the active token count is relative to parameter 1 (now).
const std::string kSelect =
    "SELECT a.id, a.slug, a.name, a.scope, a.created_at, a.last_heartbeat_at, a.heartbeat_status, "
    "a.heartbeat_version, a.heartbeat_meta, "
    "(SELECT COUNT(*) FROM agent_tokens t WHERE t.agent_id = a.id AND (t.expires_at IS NULL OR t.expires_at > ?)) "
    "FROM agents a ";

Agent readAgent(sql::ResultSet& rs)
{
	Agent a;
	a.id = rs.getUInt64(1);
	a.slug = rs.getString(2);
	a.name = rs.getString(3);
	a.scope = rs.getString(4);
	a.createdAt = rs.getString(5);
	a.lastHeartbeatAt = Row::optionalString(rs, 6);
	a.heartbeatStatus = Row::optionalString(rs, 7);
	a.heartbeatVersion = Row::optionalString(rs, 8);
	a.heartbeatMeta = Row::optionalString(rs, 9);
	a.activeTokens = rs.getInt(10);
	return a;
}

/// Parameters 1-4 of both heartbeat UPDATEs.
void bindReport(sql::PreparedStatement& st, const Poco::Timestamp& now, const HeartbeatReport& report)
{
	st.setString(1, Time::toSql(now));
	Row::setOptionalString(st, 2, report.status);
	Row::setOptionalString(st, 3, report.version);
	Row::setOptionalString(st, 4, report.metaJson);
}

} // namespace

Agent AgentStore::create(const std::string& slug, const std::string& name, const std::string& scope)
{
	return Database::run([&] {
		const std::string now = Time::toSql(Poco::Timestamp());
		auto& st = Database::prepare("INSERT INTO agents (slug, name, scope, created_at) VALUES (?, ?, ?, ?)");
		st.setString(1, slug);
		st.setString(2, name);
		st.setString(3, scope);
		st.setString(4, now);
		try
		{
			st.executeUpdate();
		}
		catch (const sql::SQLException& e)
		{
			if (e.getErrorCode() == Database::kDuplicateKey)
				throw Http::Conflict("an agent with slug '" + slug + "' already exists");
			throw;
		}
		Agent a;
		a.slug = slug;
		a.name = name;
		a.scope = scope;
		a.createdAt = now;
		return a;
	});
}

std::optional<Agent> AgentStore::find(const std::string& slug)
{
	return Database::run([&]() -> std::optional<Agent> {
		auto& st = Database::prepare(kSelect + "WHERE a.slug = ?");
		st.setString(1, Time::toSql(Poco::Timestamp()));
		st.setString(2, slug);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (!rs->next()) return std::nullopt;
		return readAgent(*rs);
	});
}

std::vector<Agent> AgentStore::list(std::size_t limit, const std::string& afterSlug)
{
	return Database::run([&] {
		auto& st = Database::prepare(kSelect + "WHERE a.slug > ? ORDER BY a.slug LIMIT ?");
		st.setString(1, Time::toSql(Poco::Timestamp()));
		st.setString(2, afterSlug);
		st.setUInt(3, static_cast<unsigned>(limit));
		return Row::readAll<Agent>(st, readAgent);
	});
}

std::vector<TokenInfo> AgentStore::activeTokens(const std::string& afterSlug, const std::string& lastSlug)
{
	return Database::run([&] {
		auto& st = Database::prepare(
		    "SELECT a.slug, t.token_hash, t.created_at, t.expires_at FROM agent_tokens t JOIN agents a ON a.id = "
		    "t.agent_id WHERE a.slug > ? AND a.slug <= ? AND (t.expires_at IS NULL OR t.expires_at > ?) "
		    "ORDER BY a.slug, t.created_at, t.token_hash");
		st.setString(1, afterSlug);
		st.setString(2, lastSlug);
		st.setString(3, Time::toSql(Poco::Timestamp()));
		return Row::readAll<TokenInfo>(st, [](sql::ResultSet& rs) {
			return TokenInfo{rs.getString(1), rs.getString(2), rs.getString(3), Row::optionalString(rs, 4)};
		});
	});
}

std::optional<Poco::Timestamp> AgentStore::heartbeat(const std::string& slug, const HeartbeatReport& report)
{
	return Database::run([&]() -> std::optional<Poco::Timestamp> {
		const Poco::Timestamp now;
		auto& st =
		    Database::prepare("UPDATE agents SET last_heartbeat_at = ?, heartbeat_status = ?, heartbeat_version = ?, "
		                      "heartbeat_meta = ? WHERE slug = ?");
		bindReport(st, now, report);
		st.setString(5, slug);
		// Matched rows, not changed rows: Database connects with CLIENT_FOUND_ROWS.
		if (st.executeUpdate() == 0) return std::nullopt;
		return now;
	});
}

std::optional<Poco::Timestamp> AgentStore::heartbeatWithToken(const std::string& slug, const std::string& tokenHash,
                                                              const HeartbeatReport& report)
{
	return Database::run([&]() -> std::optional<Poco::Timestamp> {
		const Poco::Timestamp now;
		auto& st = Database::prepare(
		    "UPDATE agents a JOIN agent_tokens t ON t.agent_id = a.id "
		    "SET a.last_heartbeat_at = ?, a.heartbeat_status = ?, a.heartbeat_version = ?, a.heartbeat_meta = ? "
		    "WHERE a.slug = ? AND t.token_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)");
		bindReport(st, now, report);
		st.setString(5, slug);
		st.setString(6, tokenHash);
		st.setString(7, Time::toSql(now));
		if (st.executeUpdate() == 0) return std::nullopt;
		return now;
	});
}

std::optional<IssuedToken> AgentStore::issueToken(const std::string& slug, int graceSeconds)
{
	auto issued = Database::run([&]() -> std::optional<IssuedToken> {
		Db::Transaction tx;
		auto& find = Database::prepare("SELECT id FROM agents WHERE slug = ? FOR UPDATE");
		find.setString(1, slug);
		std::unique_ptr<sql::ResultSet> rs(find.executeQuery());
		if (!rs->next()) return std::nullopt;
		const std::uint64_t agentId = rs->getUInt64(1);

		IssuedToken issued;
		const std::string now = Time::toSql(issued.createdAt);
		if (graceSeconds == 0)
		{
			auto& del = Database::prepare("DELETE FROM agent_tokens WHERE agent_id = ?");
			del.setUInt64(1, agentId);
			del.executeUpdate();
		}
		else
		{
			auto& purge = Database::prepare("DELETE FROM agent_tokens WHERE agent_id = ? AND expires_at <= ?");
			purge.setUInt64(1, agentId);
			purge.setString(2, now);
			purge.executeUpdate();
			const Poco::Timestamp until =
			    issued.createdAt + Poco::Timestamp::TimeDiff(graceSeconds) * Poco::Timestamp::resolution();
			// Shorten, never extend: a token already retiring sooner keeps its time.
			auto& retire = Database::prepare("UPDATE agent_tokens SET expires_at = ? WHERE agent_id = ? AND "
			                                 "(expires_at IS NULL OR expires_at > ?)");
			retire.setString(1, Time::toSql(until));
			retire.setUInt64(2, agentId);
			retire.setString(3, Time::toSql(until));
			if (retire.executeUpdate() > 0) issued.previousExpireAt = until;
		}

		issued.token = Auth::Token::generateAgentToken();
		issued.hash = Digest::sha256Hex(issued.token);
		auto& insert =
		    Database::prepare("INSERT INTO agent_tokens (token_hash, agent_id, created_at) VALUES (?, ?, ?)");
		insert.setString(1, issued.hash);
		insert.setUInt64(2, agentId);
		insert.setString(3, now);
		insert.executeUpdate();
		tx.commit();
		return issued;
	});
	// Earlier tokens were deleted or now expire: no worker may keep trusting them.
	if (issued) Invalidation::bump(Invalidation::Topic::Tokens);
	return issued;
}

bool AgentStore::revokeToken(const std::string& slug, const std::string& tokenHash)
{
	const bool revoked = Database::run([&] {
		auto& st = Database::prepare("DELETE t FROM agent_tokens t JOIN agents a ON a.id = t.agent_id WHERE a.slug "
		                             "= ? AND t.token_hash = ?");
		st.setString(1, slug);
		st.setString(2, tokenHash);
		return st.executeUpdate() > 0;
	});
	if (revoked) Invalidation::bump(Invalidation::Topic::Tokens);
	return revoked;
}

std::optional<Auth::AgentGrant> AgentStore::findByTokenHash(const std::string& tokenHash)
{
	return Database::run([&]() -> std::optional<Auth::AgentGrant> {
		auto& st = Database::prepare(
		    "SELECT a.id, a.slug, t.expires_at FROM agent_tokens t JOIN agents a ON a.id = t.agent_id "
		    "WHERE t.token_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)");
		st.setString(1, tokenHash);
		st.setString(2, Time::toSql(Poco::Timestamp()));
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (!rs->next()) return std::nullopt;
		Auth::AgentGrant grant{Auth::Principal::agent(rs->getUInt64(1), rs->getString(2)), std::nullopt};
		if (const auto expires = Row::optionalString(*rs, 3)) grant.expiresAt = Time::fromSql(*expires);
		return grant;
	});
}

} // namespace Agents
} // namespace Nexus
