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

void Policy::check(Access access, const Principal& principal, const RequestFacts& facts)
{
	if (access == Access::Public || access == Access::Open || principal.isAdmin()) return;
	if (access == Access::AdminOrLocal && principal.isAnonymous() && facts.loopback) return;
	if (principal.isAnonymous()) throw Http::Unauthorized("a bearer token is required");
	const bool adminUser = principal.isUser() && principal.role == Principal::Role::Admin;
	switch (access)
	{
	case Access::Agent:
		if (principal.isAgent() || adminUser) return;
		break;
	case Access::AgentToken:
		if (principal.isAgent()) return;
		if (principal.isUser())
			throw Http::Forbidden("this route answers agent and admin tokens only, not a browser session");
		break;
	case Access::Reader:
		if (principal.isAgent() || principal.isUser()) return;
		break;
	case Access::SignedIn:
		if (principal.isUser()) return;
		break;
	case Access::AgentSelf:
		if (principal.isAgent() && principal.name == facts.slug) return;
		if (principal.isAgent()) throw Http::Forbidden("this token belongs to another agent");
		if (adminUser && facts.read) return;
		break;
	case Access::Admin:
	case Access::AdminOrLocal:
		if (adminUser) return;
		break;
	case Access::Public:
	case Access::Open: break;
	}
	if (principal.isUser() && !adminUser)
		throw Http::Forbidden("this needs the admin role; you are signed in as a viewer");
	throw Http::Forbidden("this route needs " + std::string(name(access)) + " access");
}

const char* Policy::name(Access access)
{
	switch (access)
	{
	case Access::Public: return "public";
	case Access::Open: return "open";
	case Access::Agent: return "agent";
	case Access::AgentToken: return "agent-token";
	case Access::Reader: return "reader";
	case Access::SignedIn: return "signed-in";
	case Access::AgentSelf: return "agent-self";
	case Access::Admin: return "admin";
	case Access::AdminOrLocal: return "admin-or-local";
	}
	return "?";
}

} // namespace Auth
} // namespace Nexus
