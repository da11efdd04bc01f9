#pragma once

#include "auth/Principal.h"

#include <string>

namespace Nexus {
namespace Auth {

/// The access rule a route declares. One table (the router's) holds the
/// rule of every route; Policy::check is the only place that applies them.
enum class Access
{
	Public,      ///< anyone, no token needed
	Agent,       ///< any agent token, or admin
	Reader,      ///< any agent token, admin, or a signed-in (SSO) user: the UI's reads
	AgentSelf,   ///< the token of the agent named by the route's :slug, or admin
	Admin,       ///< the admin token only
	AdminOrLocal ///< the admin token, or no token at all from a loopback address (metrics scrapers)
};

class Policy
{
public:
	/// Throws Unauthorized when a token is needed and the principal is
	/// anonymous, Forbidden when a known principal is not allowed.
	/// slug: the route's :slug parameter (AgentSelf only); loopback: the
	/// client address is a loopback one (AdminOrLocal only).
	static void check(Access access, const Principal& principal, const std::string& slug, bool loopback = false);

	static const char* name(Access access);
};

} // namespace Auth
} // namespace Nexus
