#include "auth/Policy.h"

#include "http/HttpError.h"

namespace Nexus {
namespace Auth {

std::string Principal::label() const
{
	switch (kind)
	{
	case Kind::Admin: return "admin";
	case Kind::Agent: return "agent:" + name;
	case Kind::User: return "user:" + name;
	case Kind::Anonymous: break;
	}
	return "anonymous";
}

void Policy::check(Access access, const Principal& principal, const std::string& slug, bool loopback)
{
	if (access == Access::Public || principal.isAdmin()) return;
	if (access == Access::AdminOrLocal && principal.isAnonymous() && loopback) return;
	if (principal.isAnonymous()) throw Http::Unauthorized("a bearer token is required");
	switch (access)
	{
	case Access::Agent:
		if (principal.isAgent()) return;
		break;
	case Access::Reader:
		// Signed-in users of either role read what the UI shows. An SSO admin
		// (Principal::Role::Admin) is deliberately no Admin here yet: opening
		// Admin routes and writes to a cookie-authenticated browser needs a
		// CSRF token on every form and an Origin check first (the UI's work);
		// that rule goes in this switch, under Access::Admin.
		if (principal.isAgent() || principal.isUser()) return;
		break;
	case Access::AgentSelf:
		if (principal.isAgent() && principal.name == slug) return;
		if (principal.isAgent()) throw Http::Forbidden("this token belongs to another agent");
		break;
	case Access::Admin:
	case Access::AdminOrLocal:
	case Access::Public: break;
	}
	throw Http::Forbidden("this route needs " + std::string(name(access)) + " access");
}

const char* Policy::name(Access access)
{
	switch (access)
	{
	case Access::Public: return "public";
	case Access::Agent: return "agent";
	case Access::Reader: return "reader";
	case Access::AgentSelf: return "agent-self";
	case Access::Admin: return "admin";
	case Access::AdminOrLocal: return "admin-or-local";
	}
	return "?";
}

} // namespace Auth
} // namespace Nexus
