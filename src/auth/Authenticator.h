#pragma once

#include "auth/Principal.h"

#include <functional>
#include <optional>
#include <string>

namespace Nexus {
namespace Http {
class Request;
}

namespace Auth {

/// Resolves the bearer token of a request to a principal.
class Authenticator
{
public:
	/// The agent whose active token has this SHA-256 hex, or nullopt for an
	/// unknown, revoked or expired one (the agents' store answers it).
	using AgentLookup = std::function<std::optional<Principal>(const std::string& tokenHash)>;

	/// adminTokenHash: SHA-256 hex of the admin token, or "" for none.
	/// findAgent is asked only for tokens with the agent prefix.
	Authenticator(std::string adminTokenHash, AgentLookup findAgent):
	    _adminTokenHash(std::move(adminTokenHash)), _findAgent(std::move(findAgent))
	{}

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

	std::string _adminTokenHash;
	AgentLookup _findAgent;
};

} // namespace Auth
} // namespace Nexus
