#pragma once

#include "auth/Principal.h"
#include "http/Response.h"
#include "profiles/Profile.h"
#include "registry/ModelStore.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}

namespace Profiles {

/// A profile as the UI's list shows it: with its registry warnings and how
/// many agents are assigned to it.
struct ProfileRow
{
	Profile profile;
	std::vector<std::string> warnings;
	std::size_t agents = 0;
};

/// The HTML form of GET /api/profiles, for a browser: one page of profiles
/// (name, model, fallbacks, warnings, agents), a link to the next page
/// (nextUrl, "" for none) and, for an admin, the new-profile form.
Http::Response profilesPage(const Http::Request& request, const Auth::Principal& principal,
                            const std::vector<ProfileRow>& rows, const std::string& nextUrl);

/// The HTML form of GET /api/profiles/:name: the profile's facts, its
/// warnings, what the registry knows of its models (registry, by model id),
/// the agents assigned to it (slugs) and, for an admin, the edit and delete
/// forms.
Http::Response profilePage(const Http::Request& request, const Auth::Principal& principal, const Profile& profile,
                           const std::vector<std::string>& warnings,
                           const std::map<std::string, Registry::ModelEntry>& registry,
                           const std::vector<std::string>& agents);

} // namespace Profiles
} // namespace Nexus
