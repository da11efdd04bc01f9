#pragma once

#include "audit/AuditLog.h"
#include "auth/Authenticator.h"
#include "auth/Principal.h"

#include <Poco/Timestamp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Agents {

/// An agent row as the API shows it. Times are MySQL DATETIME text (UTC).
struct Agent
{
	std::uint64_t id = 0;
	std::string slug;
	std::string name;
	std::string scope;
	std::string createdAt;
	std::optional<std::string> lastHeartbeatAt;
	std::optional<std::string> heartbeatStatus;
	std::optional<std::string> heartbeatVersion;
	std::optional<std::string> heartbeatMeta; ///< JSON object text
	int activeTokens = 0;
};

/// What an agent reports with a heartbeat (all optional).
struct HeartbeatReport
{
	std::optional<std::string> status;
	std::optional<std::string> version;
	std::optional<std::string> metaJson; ///< JSON object text
};

/// One heartbeat of a batch (AgentStore::heartbeatAll): what an agent sent
/// with its token, and what became of it.
struct BatchedHeartbeat
{
	std::string slug;
	std::string tokenHash; ///< of the bearer token, SHA-256 hex
	HeartbeatReport report;
	/// Set by the write: when it was recorded; nullopt when the token is not
	/// an active token of this agent (nothing was written for it).
	std::optional<Poco::Timestamp> at;
};

/// A token just issued: the only moment its clear text exists.
struct IssuedToken
{
	std::string token;
	std::string hash;
	Poco::Timestamp createdAt;
	std::optional<Poco::Timestamp> expiresAt; ///< its lifetime's end; nullopt: none
	std::optional<Poco::Timestamp> previousExpireAt;
};

/// A token as an admin sees it (the agents page, GET /api/agents/:slug/tokens):
/// its hash (the handle to revoke it), never the token. Times are MySQL
/// DATETIME text (UTC).
struct TokenInfo
{
	std::string slug; ///< the agent's
	std::string hash;
	std::string createdAt;
	std::optional<std::string> expiresAt;       ///< nullopt: until revoked or rotated
	std::optional<std::string> lastUsedAt = {}; ///< nullopt: not used since issued (to within a flush)
};

/// Where a page of an agent's tokens starts: after the token created at
/// createdAt (DATETIME text) with this hash, newest first; empty: the first page.
struct TokenCursor
{
	std::string createdAt;
	std::string hash;
};

/// The SQL for /api/agents. Every method runs inside Database::run, so it
/// throws Http::Unavailable when the database is unreachable.
class AgentStore
{
public:
	/// Inserts a new agent. Throws Http::Conflict when the slug is taken.
	static Agent create(const std::string& slug, const std::string& name, const std::string& scope);

	static std::optional<Agent> find(const std::string& slug);

	/// Agents ordered by slug, starting after afterSlug ("" = from the start).
	static std::vector<Agent> list(std::size_t limit, const std::string& afterSlug);

	/// The active (unexpired) tokens of the agents whose slug is after
	/// afterSlug and at most lastSlug (one page of list()), by slug, oldest first.
	static std::vector<TokenInfo> activeTokens(const std::string& afterSlug, const std::string& lastSlug);

	/// Records a heartbeat; nullopt when there is no such agent.
	static std::optional<Poco::Timestamp> heartbeat(const std::string& slug, const HeartbeatReport& report);

	/// Records a heartbeat only if tokenHash is an active token of this very
	/// agent, checked in the same statement; nullopt (nothing written) otherwise.
	static std::optional<Poco::Timestamp> heartbeatWithToken(const std::string& slug, const std::string& tokenHash,
	                                                         const HeartbeatReport& report);

	/// heartbeatWithToken for every beat at once, with one statement and one
	/// commit in the usual case (agents in a batch are distinct, or send the
	/// same token each): sets each beat's at. When an agent appears more than
	/// once, its beats are written in their order (the last report stays),
	/// and each of them is answered. Slugs must be valid
	/// (Http::Validate::slug); up to 64 beats (Db::GroupCommit's batch) use
	/// at most 7 statement texts. Throws like heartbeatWithToken; then
	/// nothing or (the connection lost after the commit) everything was
	/// written.
	static void heartbeatAll(const std::vector<BatchedHeartbeat*>& beats);
	/// heartbeatWithToken for one beat: sets its at.
	static void heartbeatOne(BatchedHeartbeat& beat);

	/// Issues a new token, which expires ttlSeconds from now (0: no end).
	/// Earlier tokens are deleted (graceSeconds == 0) or set to expire
	/// graceSeconds from now. nullopt when there is no such agent. The audit
	/// row (target "agent:<slug>") is written in the same transaction.
	static std::optional<IssuedToken> issueToken(const std::string& slug, int graceSeconds, long long ttlSeconds,
	                                             const Audit::Change& audit);

	/// Deletes one active token of the agent; false when the agent is
	/// unknown or has no active token with that hash (an expired one
	/// included). The audit row is written in the same transaction.
	static bool revokeToken(const std::string& slug, const std::string& tokenHash, const Audit::Change& audit);

	/// The agent owning a token with this hash, expired or not, and the token's expiry.
	static std::optional<Auth::AgentGrant> findByTokenHash(const std::string& tokenHash);

	/// Up to limit tokens of the agent (expired ones too), newest first,
	/// after the cursor; nullopt when there is no such agent.
	static std::optional<std::vector<TokenInfo>> tokens(const std::string& slug, std::size_t limit,
	                                                    const TokenCursor& after);

	/// Sets last_used_at = at for the tokens with these hashes (at most
	/// Auth::TokenUsage::kBatch), in one statement; the tokens that are gone
	/// are skipped. Auth::TokenUsage's writer.
	static void recordTokenUse(const std::vector<std::string>& hashes, const Poco::Timestamp& at);
};

} // namespace Agents
} // namespace Nexus
