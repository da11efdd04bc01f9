#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace Nexus {
namespace Auth {

/// Who is calling. Resolved once per request from the bearer token (or the
/// SSO identity nginx passes in a non-HTTP_ FastCGI parameter).
struct Principal
{
	enum class Kind
	{
		Anonymous,
		Agent,
		Admin,
		User
	};

	/// What a signed-in (SSO) user may do in the UI, from the sso.admin_*
	/// settings at sign-in. Today both roles pass the Reader routes only;
	/// see Policy::check for where Admin will open more.
	enum class Role
	{
		Viewer,
		Admin
	};

	Kind kind = Kind::Anonymous;
	std::uint64_t agentId = 0;    ///< Agent: its row id.
	std::string name;             ///< Agent: its slug; User: the SSO user id.
	Role role = Role::Viewer;     ///< User only.
	std::string displayName = {}; ///< User only: the name the provider gave, for the UI (may be "").

	static Principal anonymous() { return {}; }
	static Principal admin() { return {Kind::Admin, 0, "admin"}; }
	static Principal agent(std::uint64_t id, std::string slug) { return {Kind::Agent, id, std::move(slug)}; }
	static Principal user(std::string id, Role role = Role::Viewer) { return {Kind::User, 0, std::move(id), role}; }

	/// "viewer" or "admin".
	static const char* roleName(Role role) { return role == Role::Admin ? "admin" : "viewer"; }

	bool isAdmin() const { return kind == Kind::Admin; }
	bool isAgent() const { return kind == Kind::Agent; }
	bool isAnonymous() const { return kind == Kind::Anonymous; }
	bool isUser() const { return kind == Kind::User; }

	/// "admin", "agent:<slug>", "user:<id>" or "anonymous" (for logs and audit).
	std::string label() const;
};

} // namespace Auth
} // namespace Nexus
