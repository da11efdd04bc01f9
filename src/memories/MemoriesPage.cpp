#include "memories/MemoriesPage.h"

#include "http/Html.h"
#include "http/Request.h"
#include "util/Time.h"

namespace Nexus {
namespace Memories {

using Http::Html::escape;

namespace {

/// A text input of the filter form, showing the request's value of name.
std::string input(const Http::Request& request, const std::string& name, const std::string& label,
                  const std::string& placeholder)
{
	return "<label>" + label + " <input name=\"" + name + "\" value=\"" + escape(request.query(name).value_or("")) +
	       "\" placeholder=\"" + placeholder + "\"></label> ";
}

} // namespace

Http::Response memoriesPage(const Http::Request& request, const Auth::Principal& principal,
                            const std::vector<DayFile>& rows, const std::optional<std::string>& nextUrl)
{
	std::string body = "<p class=\"muted\">Signed in as <strong>" + escape(principal.label()) +
	                   "</strong>. One file per agent and day, newest first. A day's contents are for the agent "
	                   "itself and the admin: download them with its token or the admin token from the path "
	                   "shown.</p>\n";
	body += "<form method=\"get\" action=\"/api/memories/list\">" + input(request, "agent", "Agent", "every agent") +
	        input(request, "from", "From", "YYYY-MM-DD") + input(request, "to", "To", "YYYY-MM-DD") +
	        "<button type=\"submit\">Filter</button></form>\n";
	if (rows.empty())
	{
		body += "<p>No memories to show.</p>\n";
		return Http::Html::page(200, "Memories", body);
	}
	body += "<table>\n<thead><tr><th>agent</th><th>date</th><th>entries</th><th>bytes</th><th>updated</th>"
	        "<th>download (agent or admin token)</th></tr></thead>\n<tbody>\n";
	for (const auto& f : rows)
	{
		const std::string href = "/api/memories/download/" + Http::Request::percentEncode(f.agent) + "/" +
		                         Http::Request::percentEncode(f.day);
		body += "<tr><td><code>" + escape(f.agent) + "</code></td><td>" + escape(f.day) + "</td><td>" +
		        std::to_string(f.entries) + "</td><td>" + std::to_string(f.bytes) + "</td><td>" +
		        escape(Time::sqlToRfc3339(f.updatedAt)) + "</td><td><code>GET " + escape(href) + "</code></td></tr>\n";
	}
	body += "</tbody>\n</table>\n";
	if (nextUrl) body += "<p><a rel=\"next\" href=\"" + escape(*nextUrl) + "\">Next page</a></p>\n";
	return Http::Html::page(200, "Memories", body);
}

} // namespace Memories
} // namespace Nexus
