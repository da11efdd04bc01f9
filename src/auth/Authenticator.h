#pragma once

#include "auth/Principal.h"
#include "util/ExpiringCache.h"

#include <Poco/Timestamp.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace Nexus {
namespace Http {
class Request;
}

namespace Auth {

/// An active agent token: whose it is, and until when (nullopt: no end).
struct AgentGrant
{
	Principal agent;
	std::optional<Poco::Timestamp> expiresAt;
};

/// Until when a cache may keep an answer that depends on an agent token:
/// ttlMs from now, but never past the token's own end (expiresAt; a
/// rotated token's grace period).
ExpiringCache<Principal>::Clock::time_point cacheUntil(ExpiringCache<Principal>::Clock::time_point now, int ttlMs,
                                                       const std::optional<Poco::Timestamp>& expiresAt);

/// How long the token cache keeps an answer (auth.token_cache_ms,
/// auth.token_negative_cache_ms); 0 turns that half off.
struct TokenCacheSettings
{
	int knownMs = 0;   ///< an active token's principal
	int unknownMs = 0; ///< "no such token" (a flood of bad tokens stays off the database)
	std::size_t maxEntries = 20000;
};

/// Resolves the bearer token of a request to a principal.
///
/// Agent tokens are looked up in the database through findAgent, with a
/// per-process cache in front: an answer is reused for a short time (never
/// past the token's own expiry), and the whole cache is dropped as soon as
/// the Tokens generation moves (metrics/Invalidation.h: an issue, rotate or
/// revoke on this host's pool). On other hosts a revoke takes effect within
/// knownMs.
class Authenticator
{
public:
	/// The active token with this SHA-256 hex, or nullopt for an unknown,
	/// revoked or expired one (the agents' store answers it).
	using AgentLookup = std::function<std::optional<AgentGrant>(const std::string& tokenHash)>;

	/// adminTokenHash: SHA-256 hex of the admin token, or "" for none.
	/// findAgent is asked only for tokens with the agent prefix, and only when
	/// the cache has no answer.
	Authenticator(std::string adminTokenHash, AgentLookup findAgent, TokenCacheSettings cache = {});

	/// Without an Authorization header: the SSO user nginx vouched for, else
	/// anonymous (a bearer token always wins over the SSO identity). Admin when the token's hash
	/// equals the admin hash (compared in constant time); the owning agent for
	/// an active agent token. Throws Unauthorized for a malformed header or an
	/// unknown, revoked or expired token.
	Principal authenticate(const Http::Request& request) const;

	/// The SHA-256 of the request's bearer token when it looks like an agent
	/// token (nxa_ prefix), without asking the database; nullopt otherwise
	/// (no or malformed header, admin or foreign token). For verified fast paths.
	std::optional<std::string> agentTokenHash(const Http::Request& request) const;

private:
	/// The bearer token of the Authorization header; nullopt without one.
	/// Throws Unauthorized for a malformed header.
	static std::optional<std::string> bearer(const Http::Request& request);

	/// The agent of an agent token's hash: from the cache, else findAgent.
	std::optional<Principal> findAgent(const std::string& hash) const;

	std::string _adminTokenHash;
	AgentLookup _findAgent;
	TokenCacheSettings _cacheSettings;
	/// nullopt values are the negative entries.
	std::unique_ptr<ExpiringCache<std::optional<Principal>>> _cache;
};

} // namespace Auth
} // namespace Nexus
