#pragma once

#include "auth/Principal.h"

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
	/// adminTokenHash: SHA-256 hex of the admin token, or "" for none.
	explicit Authenticator(std::string adminTokenHash): _adminTokenHash(std::move(adminTokenHash)) {}

	/// Anonymous without an Authorization header; admin when the token's hash
	/// equals the admin hash (compared in constant time); the owning agent for
	/// an active agent token. Throws Unauthorized for a malformed header or an
	/// unknown, revoked or expired token.
	Principal authenticate(const Http::Request& request) const;

private:
	std::string _adminTokenHash;
};

} // namespace Auth
} // namespace Nexus
