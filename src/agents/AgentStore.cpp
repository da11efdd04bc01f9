#include "agents/AgentStore.h"

#include "auth/Token.h"
#include "db/Database.h"
#include "db/Row.h"
#include "http/HttpError.h"
#include "metrics/Invalidation.h"
#include "util/Hex.h"
#include "util/Time.h"

#include <cppconn/resultset.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

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

/// The smallest power of two >= n: statement texts for n items pad their
/// slots to it, so the statement cache holds one text per power of two.
std::size_t slotsFor(std::size_t n)
{
	std::size_t slots = 1;
	while (slots < n) slots *= 2;
	return slots;
}

/// heartbeatWithToken's UPDATE: writes report as the beat of slug at now
/// if tokenHash is an active token of it; returns the rows it matched (0, 1).
int updateWithToken(const std::string& slug, const std::string& tokenHash, const HeartbeatReport& report,
                    const Poco::Timestamp& now)
{
	auto& st = Database::prepare(
	    "UPDATE agents a JOIN agent_tokens t ON t.agent_id = a.id "
	    "SET a.last_heartbeat_at = ?, a.heartbeat_status = ?, a.heartbeat_version = ?, a.heartbeat_meta = ? "
	    "WHERE a.slug = ? AND t.token_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)");
	bindReport(st, now, report);
	st.setString(5, slug);
	st.setString(6, tokenHash);
	st.setString(7, Time::toSql(now));
	return st.executeUpdate();
}

/// updateWithToken for slots agents at once: each agent's values picked by
/// CASE a.slug, the agents found by a range on their slug index (so rows
/// are locked in slug order, the same in every batch: two batches cannot
/// deadlock each other), the token checked per agent. Parameters: now;
/// (slug, status), (slug, version), (slug, meta) per slot; the slugs; (slug,
/// token hash) per slot; now again. (A derived table of the values joined
/// to agents reads better, but MariaDB materialises it as a temporary table
/// with a TEXT column on disk: about 3 times the server CPU of one beat's
/// UPDATE, where this costs little more than that for 2 agents.)
std::string batchUpdateSql(std::size_t slots)
{
	std::string whenThen;
	std::string slugs = "?";
	for (std::size_t i = 0; i < slots; ++i) whenThen += " WHEN ? THEN ?";
	for (std::size_t i = 1; i < slots; ++i) slugs += ", ?";
	const std::string byAgent = "CASE a.slug" + whenThen + " END";
	return "UPDATE agents a JOIN agent_tokens t ON t.agent_id = a.id SET a.last_heartbeat_at = ?, a.heartbeat_status "
	       "= " +
	       byAgent + ", a.heartbeat_version = " + byAgent + ", a.heartbeat_meta = " + byAgent + " WHERE a.slug IN (" +
	       slugs + ") AND t.token_hash = " + byAgent + " AND (t.expires_at IS NULL OR t.expires_at > ?)";
}

using Round = std::vector<const BatchedHeartbeat*>;

/// beats as rounds in which each agent appears at most once. A later beat
/// of an agent with the same token replaces the earlier in its round; with
/// another token it goes to the next round, so writing the rounds in order
/// leaves each agent's last report. One round unless an agent sent two
/// tokens at once.
std::vector<Round> roundsOf(const std::vector<BatchedHeartbeat*>& beats)
{
	std::vector<Round> rounds;
	std::map<std::string, std::pair<std::size_t, std::size_t>> latest; // slug -> its latest beat's (round, index)
	for (const BatchedHeartbeat* beat : beats)
	{
		const auto it = latest.find(beat->slug);
		if (it != latest.end())
		{
			const BatchedHeartbeat*& previous = rounds[it->second.first][it->second.second];
			if (previous->tokenHash == beat->tokenHash)
			{
				previous = beat;
				continue;
			}
		}
		const std::size_t r = it == latest.end() ? 0 : it->second.first + 1;
		if (r == rounds.size()) rounds.emplace_back();
		rounds[r].push_back(beat);
		latest[beat->slug] = {r, rounds[r].size() - 1};
	}
	return rounds;
}

/// Writes round with one UPDATE (one beat's statement for a round of one);
/// returns how many of its beats matched an active token: the found rows,
/// as each agent is in the round once (padding repeats the last slot).
std::size_t writeRound(const Round& round, const Poco::Timestamp& now)
{
	if (round.size() == 1)
		return static_cast<std::size_t>(
		    updateWithToken(round.front()->slug, round.front()->tokenHash, round.front()->report, now));
	const std::size_t slots = slotsFor(round.size());
	auto& st = Database::prepare(batchUpdateSql(slots));
	const auto slot = [&](std::size_t i) { return round[std::min(i, round.size() - 1)]; };
	int column = 1;
	st.setString(column++, Time::toSql(now));
	for (std::size_t i = 0; i < slots; ++i)
	{
		st.setString(column++, slot(i)->slug);
		Row::setOptionalString(st, column++, slot(i)->report.status);
	}
	for (std::size_t i = 0; i < slots; ++i)
	{
		st.setString(column++, slot(i)->slug);
		Row::setOptionalString(st, column++, slot(i)->report.version);
	}
	for (std::size_t i = 0; i < slots; ++i)
	{
		st.setString(column++, slot(i)->slug);
		Row::setOptionalString(st, column++, slot(i)->report.metaJson);
	}
	for (std::size_t i = 0; i < slots; ++i) st.setString(column++, slot(i)->slug);
	for (std::size_t i = 0; i < slots; ++i)
	{
		st.setString(column++, slot(i)->slug);
		st.setString(column++, slot(i)->tokenHash);
	}
	st.setString(column, Time::toSql(now));
	return static_cast<std::size_t>(st.executeUpdate());
}

/// The (slug, token hash) pairs of beats whose token is active at now.
std::set<std::pair<std::string, std::string>> activePairs(const std::vector<BatchedHeartbeat*>& beats,
                                                          const std::string& now)
{
	std::vector<std::string> hashes;
	hashes.reserve(beats.size());
	for (const BatchedHeartbeat* beat : beats) hashes.push_back(beat->tokenHash);
	std::sort(hashes.begin(), hashes.end());
	hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
	const std::size_t slots = slotsFor(hashes.size());
	std::string sql = "SELECT a.slug, t.token_hash FROM agent_tokens t JOIN agents a ON a.id = t.agent_id "
	                  "WHERE t.token_hash IN (?";
	for (std::size_t i = 1; i < slots; ++i) sql += ", ?";
	sql += ") AND (t.expires_at IS NULL OR t.expires_at > ?)";
	auto& st = Database::prepare(sql);
	for (std::size_t i = 0; i < slots; ++i)
		st.setString(static_cast<unsigned>(i + 1), hashes[std::min(i, hashes.size() - 1)]);
	st.setString(static_cast<unsigned>(slots + 1), now);
	std::set<std::pair<std::string, std::string>> active;
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	while (rs->next()) active.emplace(rs->getString(1), rs->getString(2));
	return active;
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
		if (updateWithToken(slug, tokenHash, report, now) == 0) return std::nullopt;
		return now;
	});
}

// How a batch is written, and why so. Candidates, in round trips per batch:
// - a transaction: SELECT which (slug, token) pairs are active, UPDATE those
//   agents, COMMIT: with autocommit off and on again, 5 round trips;
// - SELECT the active pairs, then UPDATE those agents in autocommit: 2;
// - this: one UPDATE that joins the tokens itself, as heartbeatWithToken's
//   statement does for one beat, in autocommit: 1 round trip and 1 commit.
//   Its found-row count says whether every beat matched (each agent is in
//   a round once); only when one did not (a wrong token or slug in the
//   batch) does a second query, activePairs, say which. Tokens never come
//   back: a revoke deletes, a rotation only shortens expires_at, and a new
//   token has a new hash; so a pair active at the same "now" after the
//   UPDATE was active during it, and its beat was written. A token revoked
//   between the two statements makes its beat decline although it was
//   written just before the revoke: the normal path then answers 401, as it
//   does to any request after the revoke. A 200 is never given for a beat
//   that was not committed.
// No SELECT ... FOR UPDATE first: the token check is in the UPDATE, whose
// join reads the token rows with shared locks until its commit (as for one
// beat), so a revoke waits for it or comes before it. A separate read first
// costs a round trip and, unless it locked, proves nothing at the write.
void AgentStore::heartbeatAll(const std::vector<BatchedHeartbeat*>& beats)
{
	if (beats.empty()) return;
	const std::vector<Round> rounds = roundsOf(beats);
	Database::run([&] {
		const Poco::Timestamp now;
		// More than one round (an agent with two tokens at once): all or none,
		// and the shared locks on the matched tokens make activePairs exact.
		std::optional<Db::Transaction> tx;
		if (rounds.size() > 1) tx.emplace();
		bool allMatched = true;
		for (const Round& round : rounds)
			if (writeRound(round, now) != round.size()) allMatched = false;
		std::set<std::pair<std::string, std::string>> active;
		if (!allMatched) active = activePairs(beats, Time::toSql(now));
		if (tx) tx->commit();
		for (BatchedHeartbeat* beat : beats)
		{
			if (allMatched || active.count({beat->slug, beat->tokenHash}))
				beat->at = now;
			else
				beat->at.reset();
		}
	});
}

void AgentStore::heartbeatOne(BatchedHeartbeat& beat)
{
	beat.at = heartbeatWithToken(beat.slug, beat.tokenHash, beat.report);
}

std::optional<IssuedToken> AgentStore::issueToken(const std::string& slug, int graceSeconds, long long ttlSeconds,
                                                  const Audit::Change& audit)
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
		if (ttlSeconds > 0)
			issued.expiresAt = issued.createdAt + Poco::Timestamp::TimeDiff(ttlSeconds) * Poco::Timestamp::resolution();
		auto& insert = Database::prepare(
		    "INSERT INTO agent_tokens (token_hash, agent_id, created_at, expires_at) VALUES (?, ?, ?, ?)");
		insert.setString(1, issued.hash);
		insert.setUInt64(2, agentId);
		insert.setString(3, now);
		Row::setOptionalString(
		    insert, 4, issued.expiresAt ? std::optional<std::string>(Time::toSql(*issued.expiresAt)) : std::nullopt);
		insert.executeUpdate();
		audit.write("agent:" + slug);
		tx.commit();
		return issued;
	});
	// Earlier tokens were deleted or now expire: no worker may keep trusting them.
	if (issued) Invalidation::bump(Invalidation::Topic::Tokens);
	return issued;
}

bool AgentStore::revokeToken(const std::string& slug, const std::string& tokenHash, const Audit::Change& audit)
{
	const bool revoked = Database::run([&] {
		Db::Transaction tx;
		// An expired token is not there to revoke (404); the next rotation purges it.
		auto& st = Database::prepare("DELETE t FROM agent_tokens t JOIN agents a ON a.id = t.agent_id WHERE a.slug "
		                             "= ? AND t.token_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)");
		st.setString(1, slug);
		st.setString(2, tokenHash);
		st.setString(3, Time::toSql(Poco::Timestamp()));
		if (st.executeUpdate() == 0) return false;
		audit.write("agent:" + slug);
		tx.commit();
		return true;
	});
	if (revoked) Invalidation::bump(Invalidation::Topic::Tokens);
	return revoked;
}

std::optional<Auth::AgentGrant> AgentStore::findByTokenHash(const std::string& tokenHash)
{
	return Database::run([&]() -> std::optional<Auth::AgentGrant> {
		// Expired tokens too: the Authenticator tells "expired" from "unknown".
		auto& st = Database::prepare("SELECT a.id, a.slug, t.expires_at FROM agent_tokens t JOIN agents a ON a.id = "
		                             "t.agent_id WHERE t.token_hash = ?");
		st.setString(1, tokenHash);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (!rs->next()) return std::nullopt;
		Auth::AgentGrant grant{Auth::Principal::agent(rs->getUInt64(1), rs->getString(2)), std::nullopt};
		if (const auto expires = Row::optionalString(*rs, 3)) grant.expiresAt = Time::fromSql(*expires);
		return grant;
	});
}

std::optional<std::vector<TokenInfo>> AgentStore::tokens(const std::string& slug, std::size_t limit,
                                                         const TokenCursor& after)
{
	return Database::run([&]() -> std::optional<std::vector<TokenInfo>> {
		auto& find = Database::prepare("SELECT id FROM agents WHERE slug = ?");
		find.setString(1, slug);
		std::unique_ptr<sql::ResultSet> rs(find.executeQuery());
		if (!rs->next()) return std::nullopt;
		const std::uint64_t agentId = rs->getUInt64(1);
		const auto read = [&slug](sql::ResultSet& row) {
			return TokenInfo{slug, row.getString(1), row.getString(2), Row::optionalString(row, 3),
			                 Row::optionalString(row, 4)};
		};
		const std::string columns = "SELECT token_hash, created_at, expires_at, last_used_at FROM agent_tokens ";
		if (after.hash.empty())
		{
			auto& st =
			    Database::prepare(columns + "WHERE agent_id = ? ORDER BY created_at DESC, token_hash DESC LIMIT ?");
			st.setUInt64(1, agentId);
			st.setUInt(2, static_cast<unsigned>(limit));
			return Row::readAll<TokenInfo>(st, read);
		}
		auto& st = Database::prepare(columns +
		                             "WHERE agent_id = ? AND (created_at < ? OR (created_at = ? AND token_hash < ?)) "
		                             "ORDER BY created_at DESC, token_hash DESC LIMIT ?");
		st.setUInt64(1, agentId);
		st.setString(2, after.createdAt);
		st.setString(3, after.createdAt);
		st.setString(4, after.hash);
		st.setUInt(5, static_cast<unsigned>(limit));
		return Row::readAll<TokenInfo>(st, read);
	});
}

void AgentStore::recordTokenUse(const std::vector<std::string>& hashes, const Poco::Timestamp& at)
{
	if (hashes.empty()) return;
	// Slots padded to a power of two (the last hash repeated): few statement texts.
	const std::size_t slots = slotsFor(hashes.size());
	std::string sql = "UPDATE agent_tokens SET last_used_at = ? WHERE token_hash IN (?";
	for (std::size_t i = 1; i < slots; ++i) sql += ", ?";
	sql += ")";
	Database::run([&] {
		auto& st = Database::prepare(sql);
		st.setString(1, Time::toSql(at));
		for (std::size_t i = 0; i < slots; ++i)
			st.setString(static_cast<unsigned>(i + 2), hashes[std::min(i, hashes.size() - 1)]);
		st.executeUpdate();
	});
}

} // namespace Agents
} // namespace Nexus
