#include "assignments/AssignmentsResource.h"

#include "assignments/AssignmentInput.h"
#include "assignments/AssignmentStore.h"
#include "assignments/AssignmentsPage.h"
#include "audit/AuditLog.h"
#include "config/Settings.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "http/Validate.h"
#include "profiles/Profile.h"
#include "routing/Router.h"
#include "util/Time.h"

namespace Nexus {
namespace Assignments {

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

/// How many agents or profiles the assign form offers in a select at most.
const std::size_t kMaxChoices = 500;

/// The first kMaxChoices of list, or nullopt when there are more.
std::optional<std::vector<std::string>> choices(std::vector<std::string> list)
{
	if (list.size() > kMaxChoices) return std::nullopt;
	return list;
}

Response listPage(const Request& request, const Principal& principal, const Http::Page& page,
                  std::vector<Assignment> rows, const Settings& settings)
{
	std::string next;
	if (page.trim(rows)) next = page.nextUrl(request, rows.back().agent);
	const AssignChoices offer{choices(AssignmentStore::agentSlugs(kMaxChoices + 1)),
	                          choices(AssignmentStore::profileNames(kMaxChoices + 1)), settings.profilesDefault};
	return assignmentsPage(request, principal, rows, offer, next);
}

Response listAssignments(const Request& request, const Principal& principal, const Settings& settings)
{
	const auto page = Http::Page::from(request, {"profile"}, Http::Validate::slug);
	auto profile = request.query("profile");
	if (profile && profile->empty()) profile.reset();
	auto rows = AssignmentStore::list(page.fetch(), page.after(), profile);
	if (Http::Html::wanted(request)) return listPage(request, principal, page, std::move(rows), settings);
	Response response = page.respond(std::move(rows), request, toJson, [](const Assignment& a) { return a.agent; });
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

Response putAssignment(const Request& request, const Principal& principal)
{
	const std::string& slug = request.pathParam("slug");
	if (!Http::Validate::slug(slug)) throw Http::NotFound("no agent '" + slug + "'");
	const std::string profile = AssignmentInput::profileName(request);
	Assignment stored;
	switch (AssignmentStore::set(slug, profile, stored, Audit::Change(request, principal, "assignment.set")))
	{
	case AssignmentStore::SetResult::NoAgent: throw Http::NotFound("no agent '" + slug + "'");
	case AssignmentStore::SetResult::NoProfile: throw Http::NotFound("no profile '" + profile + "'");
	case AssignmentStore::SetResult::Created: return Response::json(201, *toJson(stored));
	case AssignmentStore::SetResult::Replaced: break;
	}
	return Response::json(200, *toJson(stored));
}

Response deleteAssignment(const Request& request, const Principal& principal)
{
	const std::string& slug = request.pathParam("slug");
	if (!Http::Validate::slug(slug)) throw Http::NotFound("no agent '" + slug + "'");
	switch (AssignmentStore::remove(slug, Audit::Change(request, principal, "assignment.delete")))
	{
	case AssignmentStore::RemoveResult::NoAgent: throw Http::NotFound("no agent '" + slug + "'");
	case AssignmentStore::RemoveResult::NotAssigned: throw Http::NotFound("agent '" + slug + "' has no assignment");
	case AssignmentStore::RemoveResult::Removed: break;
	}
	return Response::noContent();
}

} // namespace

void registerRoutes(Routing::Router& router, const Settings& settings)
{
	router.add("GET", "/api/assignments", Access::Admin,
	           [&settings](const Request& r, const Principal& p) { return listAssignments(r, p, settings); });
	router.add("PUT", "/api/assignments/:slug", Access::Admin,
	           [](const Request& r, const Principal& p) { return putAssignment(r, p); });
	router.add("DELETE", "/api/assignments/:slug", Access::Admin,
	           [](const Request& r, const Principal& p) { return deleteAssignment(r, p); });
}

} // namespace Assignments
} // namespace Nexus
