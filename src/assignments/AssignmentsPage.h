#pragma once

#include "assignments/AssignmentStore.h"
#include "auth/Principal.h"
#include "http/Response.h"

#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}

namespace Assignments {

/// What the assign form offers: the agents and profiles to choose from.
/// An empty optional (too many to list) makes the field a text input.
struct AssignChoices
{
	std::optional<std::vector<std::string>> agents;
	std::optional<std::vector<std::string>> profiles;
	std::string defaultProfile; ///< profiles.default ("" when unset)
};

/// The HTML form of GET /api/assignments, for a browser (an admin): a
/// profile filter, the form to assign a profile to an agent (PUT
/// /api/assignments/:slug), one page of assignments with an unassign button
/// each (DELETE, after a confirmation) and the link to nextUrl ("" on the
/// last page).
Http::Response assignmentsPage(const Http::Request& request, const Auth::Principal& principal,
                               const std::vector<Assignment>& rows, const AssignChoices& choices,
                               const std::string& nextUrl);

} // namespace Assignments
} // namespace Nexus
