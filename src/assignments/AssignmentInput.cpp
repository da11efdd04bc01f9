#include "assignments/AssignmentInput.h"

#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Request.h"
#include "profiles/Profile.h"

namespace Nexus {
namespace Assignments {

std::string AssignmentInput::profileName(const Http::Request& request)
{
	Http::Fields fields(Http::Json::parseObject(request), {"profile_name"});
	std::string profile = fields.string("profile_name", 1, Profiles::ProfileJson::kMaxNameChars);
	if (!Profiles::ProfileJson::validName(profile)) throw Http::NotFound("no profile '" + profile + "'");
	return profile;
}

} // namespace Assignments
} // namespace Nexus
