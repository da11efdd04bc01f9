#include "sso/SignInRules.h"

#include "config/Settings.h"
#include "oidc/IdTokenVerifier.h"

#include <algorithm>

namespace Nexus {
namespace Sso {

namespace {

bool holds(const std::vector<std::string>& list, const std::string& name)
{
	return !name.empty() && std::find(list.begin(), list.end(), name) != list.end();
}

// Only sub (stable and unique at the issuer) and a verified email: OIDC Core
// says preferred_username is neither, and a user who may rename themselves at
// the provider would otherwise pick a name on an admin list.
bool namesUser(const std::vector<std::string>& users, const Oidc::Claims& claims)
{
	return holds(users, claims.subject) || (claims.emailVerified && holds(users, claims.email));
}

bool namesGroup(const std::vector<std::string>& groups, const Oidc::Claims& claims)
{
	return std::any_of(claims.groups.begin(), claims.groups.end(),
	                   [&groups](const std::string& g) { return holds(groups, g); });
}

} // namespace

std::optional<Auth::Principal::Role> SignInRules::roleOf(const SsoSettings& settings, const Oidc::Claims& claims)
{
	const bool anyone = settings.allowedUsers.empty() && settings.allowedGroups.empty();
	if (!anyone && !namesUser(settings.allowedUsers, claims) && !namesGroup(settings.allowedGroups, claims))
		return std::nullopt;
	if (namesUser(settings.adminUsers, claims) || namesGroup(settings.adminGroups, claims))
		return Auth::Principal::Role::Admin;
	return Auth::Principal::Role::Viewer;
}

} // namespace Sso
} // namespace Nexus
