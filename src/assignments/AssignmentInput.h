#pragma once

#include <string>

namespace Nexus {
namespace Http {
class Request;
}
namespace Assignments {

/// The body of PUT /api/assignments/:slug, read and checked (no database).
class AssignmentInput
{
public:
	/// The profile {"profile_name"} names. Throws UnsupportedMediaType,
	/// BadRequest (not a JSON object, another field, not a string), NotFound
	/// for a name no profile can have.
	static std::string profileName(const Http::Request& request);
};

} // namespace Assignments
} // namespace Nexus
