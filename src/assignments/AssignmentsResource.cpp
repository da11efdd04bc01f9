#include "assignments/AssignmentsResource.h"

#include "assignments/AssignmentStore.h"
#include "audit/AuditLog.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "profiles/Profile.h"
#include "routing/Router.h"
#include "util/Time.h"

namespace Nexus {
namespace Assignments {

using Audit::AuditLog;
using Audit::Outcome;
using Auth::Access;
using Auth::Principal;
using Http::Request;
using Http::Response;

namespace {

Poco::JSON::Object::Ptr toJson(const Assignment& a)
{
	auto o = Http::Json::object();
	o->set("agent", a.agent);
	o->set("profile_name", a.profileName);
	o->set("assigned_at", Time::sqlToRfc3339(a.assignedAt));
	return o;
}

std::string target(const std::string& slug)
{
	return "agent:" + slug;
}

Response listAssignments(const Request& request)
{
	const auto page = Http::Page::from(request);
	auto profile = request.query("profile");
	if (profile && profile->empty()) profile.reset();
	return page.respond(AssignmentStore::list(page.fetch(), page.after(), profile), request, toJson,
	                    [](const Assignment& a) { return a.agent; });
}

Response putAssignment(const Request& request, const Principal& principal)
{
	const std::string& slug = request.pathParam("slug");
	Http::Fields fields(Http::Json::parseObject(request), {"profile_name"});
	const std::string profile = fields.string("profile_name", 1, Profiles::ProfileJson::kMaxNameChars);
	if (!Profiles::ProfileJson::validName(profile)) throw Http::NotFound("no profile '" + profile + "'");
	Assignment stored;
	switch (AssignmentStore::set(slug, profile, stored))
	{
	case AssignmentStore::SetResult::NoAgent: throw Http::NotFound("no agent '" + slug + "'");
	case AssignmentStore::SetResult::NoProfile: throw Http::NotFound("no profile '" + profile + "'");
	case AssignmentStore::SetResult::Created:
		AuditLog::record(request, principal, "assignment.set", target(slug), Outcome::Ok);
		return Response::json(201, *toJson(stored));
	case AssignmentStore::SetResult::Replaced: break;
	}
	AuditLog::record(request, principal, "assignment.set", target(slug), Outcome::Ok);
	return Response::json(200, *toJson(stored));
}

Response deleteAssignment(const Request& request, const Principal& principal)
{
	const std::string& slug = request.pathParam("slug");
	switch (AssignmentStore::remove(slug))
	{
	case AssignmentStore::RemoveResult::NoAgent: throw Http::NotFound("no agent '" + slug + "'");
	case AssignmentStore::RemoveResult::NotAssigned: throw Http::NotFound("agent '" + slug + "' has no assignment");
	case AssignmentStore::RemoveResult::Removed: break;
	}
	AuditLog::record(request, principal, "assignment.delete", target(slug), Outcome::Ok);
	return Response::noContent();
}

} // namespace

void registerRoutes(Routing::Router& router, const Settings&)
{
	router.add("GET", "/api/assignments", Access::Admin,
	           [](const Request& r, const Principal&) { return listAssignments(r); });
	router.add("PUT", "/api/assignments/:slug", Access::Admin,
	           [](const Request& r, const Principal& p) { return putAssignment(r, p); });
	router.add("DELETE", "/api/assignments/:slug", Access::Admin,
	           [](const Request& r, const Principal& p) { return deleteAssignment(r, p); });
}

} // namespace Assignments
} // namespace Nexus
