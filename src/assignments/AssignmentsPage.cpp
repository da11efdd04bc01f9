#include "assignments/AssignmentsPage.h"

#include "http/Html.h"
#include "http/Request.h"
#include "ui/Page.h"
#include "util/Time.h"

namespace Nexus {
namespace Assignments {

using Http::Html::escape;

namespace {

/// A select of the choices, or a text field when there are too many.
Ui::Field choice(const std::string& name, const std::string& label, const std::string& kind,
                 const std::optional<std::vector<std::string>>& options, const std::string& hint)
{
	Ui::Field f{name, label, "", kind, "text", "", hint, {}, true};
	if (options)
	{
		f.input = "select";
		f.options = *options;
	}
	return f;
}

/// The assign form: the agent goes in the path, the profile in the body.
std::string assignForm(const Http::Request& request, const AssignChoices& choices)
{
	std::string html = "<details id=\"assign\" open><summary>Assign a profile</summary>\n";
	if ((choices.agents && choices.agents->empty()) || (choices.profiles && choices.profiles->empty()))
		return html + "<p class=\"muted\" id=\"assign-nothing\">There is nothing to assign yet: it takes an agent (<a "
		              "href=\"/api/agents\">agents</a>) and a profile (<a href=\"/api/profiles\">profiles</a>).</p>\n"
		              "</details>\n";
	html += Ui::formStart(request, "PUT", "/api/assignments/{slug}", {"assign-form", "", "", "", "", ""});
	// Each field in a cell of its own, so that its hint stays under it.
	html += "<div class=\"grid2\">\n<div>";
	html += Ui::field(choice("slug", "Agent", "path", choices.agents, "an agent runs one profile at most"));
	html += "</div><div>";
	html += Ui::field(choice("profile_name", "Profile", "string", choices.profiles, "replaces the agent's profile"));
	html += "</div>\n</div>\n";
	html += Ui::formEnd("Assign");
	html += "</details>\n";
	return html;
}

std::string row(const Http::Request& request, const Assignment& a, const std::string& defaultProfile)
{
	const std::string slug = Http::Request::percentEncode(a.agent);
	std::string html = "<tr id=\"assignment-" + escape(a.agent) + "\"><td><code>" + escape(a.agent) +
	                   "</code></td><td><a href=\"/api/profiles/" +
	                   escape(Http::Request::percentEncode(a.profileName)) + "\">" + escape(a.profileName) +
	                   "</a></td><td>" + Ui::when(Time::sqlToRfc3339(a.assignedAt)) + "</td><td>";
	const std::string then = defaultProfile.empty() ? "It then runs no profile."
	                                                : "It then runs the default profile " + defaultProfile + ".";
	html += Ui::formStart(
	    request, "DELETE", "/api/assignments/" + slug,
	    {"unassign-" + a.agent, "Unassign " + a.agent + " from " + a.profileName + "? " + then, "", "", "", "inline"});
	html += "<button type=\"submit\" class=\"danger\">Unassign</button></form></td></tr>\n";
	return html;
}

} // namespace

Http::Response assignmentsPage(const Http::Request& request, const Auth::Principal& principal,
                               const std::vector<Assignment>& rows, const AssignChoices& choices,
                               const std::string& nextUrl)
{
	std::string body = "<p class=\"muted\">Which inference profile each agent runs (one at most). It decides the "
	                   "agent's effective configuration and which vault secrets it may read. ";
	body += choices.defaultProfile.empty()
	            ? "An agent without an assignment runs no profile.</p>\n"
	            : "An agent without an assignment runs the default profile <a href=\"/api/profiles/" +
	                  escape(Http::Request::percentEncode(choices.defaultProfile)) + "\">" +
	                  escape(choices.defaultProfile) + "</a>.</p>\n";
	body += assignForm(request, choices);
	body +=
	    Ui::filterForm(request, "/api/assignments", {{"profile", "Profile", "", "", "text", "every profile", "", {}}});
	if (rows.empty())
		body += "<p id=\"no-assignments\">No assignments to show.</p>\n";
	else
	{
		body += "<table id=\"assignments\">\n<thead><tr><th>agent</th><th>profile</th><th>assigned</th><th>actions</th>"
		        "</tr></thead>\n<tbody>\n";
		for (const auto& a : rows) body += row(request, a, choices.defaultProfile);
		body += "</tbody>\n</table>\n";
	}
	body += Ui::pager(request, nextUrl);
	return Ui::page(request, principal, Ui::Section::Assignments, "Assignments", body);
}

} // namespace Assignments
} // namespace Nexus
