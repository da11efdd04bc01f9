#include "profiles/ProfilesPage.h"

#include "http/Html.h"
#include "http/Request.h"
#include "ui/Format.h"
#include "ui/Page.h"
#include "util/Time.h"

#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <algorithm>

namespace Nexus {
namespace Profiles {

using Http::Request;
using Http::Html::escape;
using RegistryView = std::map<std::string, Registry::ModelEntry>;

namespace {

/// How many assigned agents the profile page names.
const std::size_t kShownAgents = 100;

/// A JSON textarea's height: its lines, within these bounds.
const int kMinJsonRows = 3;
const int kMaxJsonRows = 16;

int rowsFor(const std::string& text)
{
	const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 2;
	return std::max(kMinJsonRows, std::min(kMaxJsonRows, lines));
}

const char* const kFallbacksExample =
    R"(["openai/gpt-4o-mini", {"model": "anthropic/claude-3-5-haiku", "on": ["rate_limit"]}])";

std::string profileHref(const std::string& name)
{
	return "/api/profiles/" + Request::percentEncode(name);
}

std::string familyHref(const std::string& slug)
{
	return "/api/registry/models/" + Request::percentEncode(slug);
}

std::string errorClassHint()
{
	const auto& classes = ProfileJson::errorClasses();
	return "a JSON list: a model id (any error), or {\"model\", \"on\": [error classes]}; the classes are " +
	       Poco::cat(std::string(", "), classes.begin(), classes.end());
}

/// The fallbacks as a short list of model ids (with their error classes).
std::string fallbacksCell(const std::vector<Fallback>& fallbacks)
{
	if (fallbacks.empty()) return "<span class=\"muted\">none</span>";
	std::string html;
	for (const auto& f : fallbacks)
	{
		if (!html.empty()) html += "<br>";
		html += "<code>" + escape(f.model) + "</code>";
		if (!f.on.empty())
			html += " <small class=\"muted\">on " + escape(Poco::cat(std::string(", "), f.on.begin(), f.on.end())) +
			        "</small>";
	}
	return html;
}

std::string warningsCell(const std::vector<std::string>& warnings)
{
	if (warnings.empty()) return "<span class=\"badge ok\">ok</span>";
	std::string title;
	for (const auto& w : warnings) title += (title.empty() ? "" : "\n") + w;
	return "<span class=\"badge warn\" title=\"" + escape(title) + "\">" + std::to_string(warnings.size()) +
	       (warnings.size() == 1 ? " warning" : " warnings") + "</span>";
}

/// The admin's new-profile form.
std::string createForm(const Request& request)
{
	std::string html = "<details id=\"new-profile\"><summary>New profile</summary>\n";
	html += Ui::formStart(request, "POST", "/api/profiles", {"create-profile", "", "/api/profiles/{name}", "", "", ""});
	html += "<div class=\"grid2\">\n";
	html += Ui::field({"name", "Name", "", "string", "text", "Prod-Reliable", "no '/'", {}, true});
	html += Ui::field({"model", "Model", "", "string", "text", "openai/gpt-4o", "provider/model", {}, true});
	html += "</div>\n";
	Ui::Field fallbacks{"fallbacks", "Fallbacks", "", "json", "textarea", kFallbacksExample, errorClassHint()};
	fallbacks.rows = 3;
	html += Ui::field(fallbacks);
	html += "<div class=\"grid2\">\n";
	html += Ui::field({"gateway", "Gateway", "", "string", "text", "litellm or https://gw.example.com",
	                   "a gateway name or an http(s) URL; empty: none"});
	html += Ui::field({"vision", "Vision (the models must take images)", "", "bool", "checkbox"});
	html += "</div>\n";
	Ui::Field description{"description", "Description", "", "string", "textarea"};
	description.rows = 2;
	html += Ui::field(description);
	Ui::Field parameters{"parameters",
	                     "Parameters",
	                     "",
	                     "json",
	                     "textarea",
	                     R"({"temperature": 0.2})",
	                     "a JSON object, passed through to the model"};
	parameters.rows = 3;
	html += Ui::field(parameters);
	html += Ui::formEnd("Create profile");
	html += "</details>\n";
	return html;
}

/// The admin's edit form, prefilled: every field is sent, empty ones as
/// null (no gateway, no description, no fallbacks, no parameters).
std::string editForm(const Request& request, const Profile& p)
{
	std::string html = "<h2 id=\"edit\">Edit</h2>\n";
	html +=
	    Ui::formStart(request, "PUT", profileHref(p.name), {"edit-profile", "", "/api/profiles/{name}", "", "", ""});
	html += "<div class=\"grid2\">\n";
	html += Ui::field(
	    {"name", "Name", p.name, "string", "text", "", "renaming keeps assignments and secrets' access", {}, true});
	html += Ui::field({"model", "Model", p.model, "string", "text", "openai/gpt-4o", "provider/model", {}, true});
	html += "</div>\n";
	Ui::Field fallbacks{"fallbacks",     "Fallbacks", Ui::prettyJson(ProfileJson::fallbacksToJson(p.fallbacks)),
	                    "json",          "textarea",  kFallbacksExample,
	                    errorClassHint()};
	fallbacks.emptyAsNull = true;
	fallbacks.rows = rowsFor(fallbacks.value);
	html += Ui::field(fallbacks);
	html += "<div class=\"grid2\">\n";
	Ui::Field gateway{"gateway",
	                  "Gateway",
	                  p.gateway.value_or(""),
	                  "string",
	                  "text",
	                  "none",
	                  "a gateway name or an http(s) URL; empty: none"};
	gateway.emptyAsNull = true;
	html += Ui::field(gateway);
	html +=
	    Ui::field({"vision", "Vision (the models must take images)", p.vision ? "true" : "false", "bool", "checkbox"});
	html += "</div>\n";
	Ui::Field description{"description", "Description", p.description.value_or(""), "string", "textarea"};
	description.emptyAsNull = true;
	description.rows = 2;
	html += Ui::field(description);
	Ui::Field parameters{"parameters",
	                     "Parameters",
	                     Ui::prettyJson(p.parametersJson),
	                     "json",
	                     "textarea",
	                     "{}",
	                     "a JSON object, passed through to the model"};
	parameters.emptyAsNull = true;
	parameters.rows = rowsFor(parameters.value);
	html += Ui::field(parameters);
	html += Ui::formEnd("Save changes");
	return html;
}

std::string deleteForm(const Request& request, const Profile& p, std::size_t agents)
{
	std::string html = "<h2 id=\"delete\">Delete</h2>\n";
	html += Ui::formStart(request, "DELETE", profileHref(p.name),
	                      {"delete-profile", "Delete profile " + p.name + "? Agents that use it lose their models.",
	                       "/api/profiles", "", "", ""});
	html += "<p class=\"muted\">";
	html += agents == 0
	            ? "No agent is assigned this profile."
	            : "A profile that agents use is only deleted with “force”, which removes their assignments too.";
	html += " Secrets that allow it keep the name.</p>\n";
	html += Ui::field({"force", "Force: also remove the agents' assignments", "", "query", "checkbox"});
	html += Ui::formEnd("Delete profile", "danger");
	return html;
}

/// One row of the models table: what the registry says of a model the
/// profile names.
std::string modelRow(const std::string& role, const std::string& model, const std::vector<std::string>* on,
                     const RegistryView& registry, const std::string& today)
{
	std::string html = "<tr><td>" + escape(role) + "</td><td><code>" + escape(model) + "</code>";
	if (on && !on->empty())
		html +=
		    " <small class=\"muted\">on " + escape(Poco::cat(std::string(", "), on->begin(), on->end())) + "</small>";
	html += "</td>";
	const auto found = registry.find(model);
	if (found == registry.end()) return html + "<td colspan=\"4\" class=\"warn\">not in the model registry</td></tr>\n";
	const auto& m = found->second;
	html += "<td><a href=\"" + escape(familyHref(m.slug)) + "\">" + escape(m.slug) + "</a></td>";
	html += "<td>" + escape(Poco::cat(std::string(", "), m.inputModalities.begin(), m.inputModalities.end())) + "</td>";
	html += "<td class=\"num\">" + (m.contextLength ? std::to_string(*m.contextLength) : "—") + "</td><td>";
	if (!m.deprecationDate)
		html += "—";
	else if (*m.deprecationDate <= today)
		html += "<span class=\"bad\">deprecated since " + escape(*m.deprecationDate) + "</span>";
	else
		html += escape(*m.deprecationDate);
	return html + "</td></tr>\n";
}

std::string modelsTable(const Profile& p, const RegistryView& registry)
{
	const std::string today = Time::dateOf(Poco::Timestamp());
	std::string html = "<h2>Models</h2>\n<table id=\"profile-models\">\n<thead><tr><th>role</th><th>model</th>"
	                   "<th>family</th><th>input</th><th class=\"num\">context</th><th>deprecation</th></tr>"
	                   "</thead>\n<tbody>\n";
	if (!p.model.empty()) html += modelRow("primary", p.model, nullptr, registry, today);
	for (std::size_t i = 0; i < p.fallbacks.size(); ++i)
		html +=
		    modelRow("fallback " + std::to_string(i + 1), p.fallbacks[i].model, &p.fallbacks[i].on, registry, today);
	return html + "</tbody>\n</table>\n";
}

std::string facts(const Profile& p)
{
	std::string html = "<section class=\"panel\">\n<dl class=\"facts\" id=\"profile-facts\">\n";
	html += "<dt>Name</dt><dd id=\"profile-name\">" + escape(p.name) + "</dd>\n";
	html +=
	    "<dt>Model</dt><dd>" +
	    (p.model.empty() ? std::string("<span class=\"warn\">none</span>") : "<code>" + escape(p.model) + "</code>") +
	    "</dd>\n";
	html += "<dt>Fallbacks</dt><dd>" + fallbacksCell(p.fallbacks) + "</dd>\n";
	html += std::string("<dt>Vision</dt><dd>") + (p.vision ? "yes" : "no") + "</dd>\n";
	html += "<dt>Gateway</dt><dd>" +
	        (p.gateway ? "<code>" + escape(*p.gateway) + "</code>" : std::string("<span class=\"muted\">none</span>")) +
	        "</dd>\n";
	html += "<dt>Description</dt><dd>" +
	        (p.description ? escape(*p.description) : std::string("<span class=\"muted\">none</span>")) + "</dd>\n";
	html += "<dt>Parameters</dt><dd>" +
	        (p.parametersJson == "{}"
	             ? std::string("<span class=\"muted\">none</span>")
	             : "<pre id=\"profile-parameters\">" + escape(Ui::prettyJson(p.parametersJson)) + "</pre>") +
	        "</dd>\n";
	html += "<dt>Version</dt><dd>" + std::to_string(p.version) + "</dd>\n";
	html += "<dt>Created</dt><dd>" + Ui::when(Time::sqlToRfc3339(p.createdAt)) + "</dd>\n";
	html += "<dt>Updated</dt><dd>" + Ui::when(Time::sqlToRfc3339(p.updatedAt)) + "</dd>\n";
	return html + "</dl>\n</section>\n";
}

std::string agentsSection(const std::vector<std::string>& agents)
{
	std::string html = "<h2>Agents</h2>\n";
	if (agents.empty())
		return html + "<p id=\"profile-agents\" class=\"muted\">No agent is assigned this profile.</p>\n";
	html += "<p id=\"profile-agents\">" + std::to_string(agents.size()) +
	        (agents.size() == 1 ? " agent uses" : " agents use") + " this profile: ";
	for (std::size_t i = 0; i < agents.size() && i < kShownAgents; ++i)
		html += (i ? ", " : "") + ("<code>" + escape(agents[i]) + "</code>");
	if (agents.size() > kShownAgents) html += " and " + std::to_string(agents.size() - kShownAgents) + " more";
	return html + ".</p>\n";
}

} // namespace

Http::Response profilesPage(const Request& request, const Auth::Principal& principal,
                            const std::vector<ProfileRow>& rows, const std::string& nextUrl)
{
	const bool admin = Ui::isAdmin(principal);
	std::string body = "<p class=\"muted\">A profile names the model an agent runs, the models to fall back to and "
	                   "their parameters. Warnings come from the model registry as it is now.</p>\n";
	if (admin) body += createForm(request);
	if (rows.empty())
		body += "<p id=\"no-profiles\">No profiles yet.</p>\n";
	else
	{
		body += "<table id=\"profiles\">\n<thead><tr><th>name</th><th>model</th><th>fallbacks</th><th>warnings</th>"
		        "<th class=\"num\">agents</th><th class=\"num\">version</th><th>updated</th></tr></thead>\n<tbody>\n";
		for (const auto& row : rows)
		{
			const Profile& p = row.profile;
			body += "<tr><td><a href=\"" + escape(profileHref(p.name)) + "\">" + escape(p.name) + "</a>" +
			        (p.vision ? " <span class=\"badge\">vision</span>" : "") + "</td><td>" +
			        (p.model.empty() ? std::string("<span class=\"warn\">none</span>")
			                         : "<code>" + escape(p.model) + "</code>") +
			        "</td><td>" + fallbacksCell(p.fallbacks) + "</td><td>" + warningsCell(row.warnings) +
			        "</td><td class=\"num\">" + std::to_string(row.agents) + "</td><td class=\"num\">" +
			        std::to_string(p.version) + "</td><td>" + Ui::when(Time::sqlToRfc3339(p.updatedAt)) +
			        "</td></tr>\n";
		}
		body += "</tbody>\n</table>\n";
	}
	body += Ui::pager(request, nextUrl);
	return Ui::page(request, principal, Ui::Section::Profiles, "Profiles", body);
}

Http::Response profilePage(const Request& request, const Auth::Principal& principal, const Profile& profile,
                           const std::vector<std::string>& warnings, const RegistryView& registry,
                           const std::vector<std::string>& agents)
{
	std::string body = "<p><a href=\"/api/profiles\">← All profiles</a></p>\n";
	if (!warnings.empty())
	{
		body += "<div class=\"notice\" id=\"profile-warnings\"><strong class=\"warn\">" +
		        std::to_string(warnings.size()) + (warnings.size() == 1 ? " warning" : " warnings") + "</strong><ul>\n";
		for (const auto& w : warnings) body += "<li class=\"warn\">" + escape(w) + "</li>\n";
		body += "</ul></div>\n";
	}
	body += facts(profile);
	if (!profile.model.empty() || !profile.fallbacks.empty()) body += modelsTable(profile, registry);
	body += agentsSection(agents);
	if (Ui::isAdmin(principal))
	{
		body += editForm(request, profile);
		body += deleteForm(request, profile, agents.size());
	}
	return Ui::page(request, principal, Ui::Section::Profiles, "Profile " + profile.name, body);
}

} // namespace Profiles
} // namespace Nexus
