#pragma once

#include "auth/Principal.h"

#include <optional>

namespace Nexus {
struct SsoSettings;
namespace Oidc {
struct Claims;
}

namespace Sso {

/// Who may sign in and with which role, from the sso.* lists. A user is
/// named in a list by their sub or, when the provider says it is verified,
/// their email; never by preferred_username, which OIDC does not promise to
/// be stable or unique. A group by a name of the groups claim. Names compare
/// exactly (case matters).
class SignInRules
{
public:
	/// The role of a user with claims, or nullopt when sso.allowed_users and
	/// sso.allowed_groups are not both empty and name neither them nor one
	/// of their groups. Admin when sso.admin_users or sso.admin_groups names
	/// them; Viewer otherwise.
	static std::optional<Auth::Principal::Role> roleOf(const SsoSettings& settings, const Oidc::Claims& claims);
};

} // namespace Sso
} // namespace Nexus
