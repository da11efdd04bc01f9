#include "vault/SecretsPage.h"

#include "http/Html.h"
#include "http/Request.h"
#include "util/Time.h"

namespace Nexus {
namespace Vault {

using Http::Html::escape;

Http::Response secretsPage(const Http::Request& request, const Auth::Principal& principal,
                           const std::optional<std::string>& profile, std::vector<SecretMeta> rows,
                           const Http::Page& page)
{
	const bool more = page.trim(rows);
	std::string body = "<p class=\"muted\">Signed in as <strong>" + escape(principal.label()) +
	                   "</strong>. Values are never listed; an agent reads one secret by id, and every read is "
	                   "audited.</p>\n";
	body += "<form method=\"get\" action=\"/api/secrets\"><label>Profile <input name=\"profile\" value=\"" +
	        escape(profile.value_or("")) +
	        "\" placeholder=\"every profile\"></label> <button type=\"submit\">Filter</button></form>\n";
	if (profile) body += "<p>Unrestricted secrets and those allowing <strong>" + escape(*profile) + "</strong>.</p>\n";
	if (rows.empty())
	{
		body += "<p>No secrets to show.</p>\n";
		return Http::Html::page(200, "Secrets", body);
	}
	body += "<table>\n<thead><tr><th>id</th><th>scope</th><th>name</th><th>allowed profiles</th><th>version</th>"
	        "<th>updated</th></tr></thead>\n<tbody>\n";
	for (const auto& s : rows)
	{
		std::string profiles;
		for (const auto& p : s.allowedProfiles) profiles += (profiles.empty() ? "" : ", ") + escape(p);
		if (profiles.empty()) profiles = "<span class=\"muted\">every agent</span>";
		body += "<tr><td>" + std::to_string(s.id) + "</td><td><code>" + escape(s.scope) + "</code></td><td><code>" +
		        escape(s.name) + "</code></td><td>" + profiles + "</td><td>" + std::to_string(s.version) + "</td><td>" +
		        escape(Time::sqlToRfc3339(s.updatedAt)) + "</td></tr>\n";
	}
	body += "</tbody>\n</table>\n";
	if (more)
		body += "<p><a rel=\"next\" href=\"" + escape(page.nextUrl(request, std::to_string(rows.back().id))) +
		        "\">Next page</a></p>\n";
	return Http::Html::page(200, "Secrets", body);
}

} // namespace Vault
} // namespace Nexus
