#pragma once

#include "auth/Principal.h"

#include <string>

namespace Nexus {
namespace Auth {

/// The access rule a route declares. One table (the router's) holds the
/// rule of every route; Policy::check is the only place that applies them.
///
/// Who passes, by principal (a signed-in "admin user" is an SSO user with
/// the admin role; a "viewer" one with the viewer role; either one's writes
/// also need the CSRF token and Origin, checked by the Service):
///
///   rule          admin token   agent token         admin user     viewer
///   Public        yes           yes                 yes            yes
///   Open          yes           yes                 yes            yes    (a presented token is checked)
///   Reader        yes           yes                 yes            yes
///   SignedIn      yes           no                  yes            yes
///   Agent         yes           yes                 yes            no
///   AgentToken    yes           yes                 no             no
///   AgentSelf     yes           its own :slug       reads only     no
///   Admin         yes           no                  yes            no
///   AdminOrLocal  yes           no                  yes            no     (or no token from loopback)
enum class Access
{
	Public,      ///< anyone, no token needed (none is even looked at)
	Open,        ///< anyone, but a token or session presented is checked (a bad token: 401), and
	             ///< the handler sees who calls, to shape the answer (an agent's profile)
	Agent,       ///< any agent token, the admin token, or a signed-in admin
	AgentToken,  ///< an agent token or the admin token, never a browser session (secret values, agents' own writes)
	Reader,      ///< any agent token, admin, or any signed-in user: the UI's reads
	SignedIn,    ///< the admin token or any signed-in user, no agent token (the UI's reads of admin data)
	AgentSelf,   ///< the token of the agent named by the route's :slug, or admin (a signed-in admin: reads only)
	Admin,       ///< the admin token, or a signed-in admin
	AdminOrLocal ///< Admin, or no token at all from a loopback address (metrics scrapers)
};

/// What Policy::check needs to know about the request besides its principal.
struct RequestFacts
{
	std::string slug;      ///< the route's :slug parameter (AgentSelf)
	bool loopback = false; ///< the client address is a loopback one (AdminOrLocal)
	bool read = true;      ///< the method is GET or HEAD (AgentSelf for a signed-in admin)
};

class Policy
{
public:
	/// Throws Unauthorized when a token is needed and the principal is
	/// anonymous, Forbidden when a known principal is not allowed.
	static void check(Access access, const Principal& principal, const RequestFacts& facts);

	static const char* name(Access access);
};

} // namespace Auth
} // namespace Nexus
