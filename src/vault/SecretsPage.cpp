#include "vault/SecretsPage.h"

#include "http/Html.h"
#include "http/Request.h"
#include "ui/Page.h"
#include "util/Time.h"

namespace Nexus {
namespace Vault {

using Http::Html::escape;

namespace {

const int kAdminColumns = 7; ///< of the table, for an admin (the value row spans them)

/// The admin's new-secret form.
std::string createForm(const Http::Request& request)
{
	std::string html = "<details id=\"new-secret\"><summary>New secret</summary>\n";
	html += Ui::formStart(request, "POST", "/api/vault/secrets", {"create-secret", "", "/api/secrets", "", "", ""});
	html += "<div class=\"grid2\">\n";
	html += Ui::field({"scope", "Scope", "", "string", "text", "infrastructure", "a short word", {}, true, false, 4});
	html +=
	    Ui::field({"name", "Name", "", "string", "text", "db/password", "words separated by '/'", {}, true, false, 4});
	html += "</div>\n";
	html += Ui::field(
	    {"value", "Value", "", "string", "password", "", "encrypted at rest; never shown in lists", {}, true});
	html += Ui::field({"allowed_profiles",
	                   "Allowed profiles",
	                   "",
	                   "list",
	                   "text",
	                   "Prod-Reliable, Dev",
	                   "comma-separated; empty: every agent may read it",
	                   {},
	                   false,
	                   false,
	                   4});
	html += Ui::formEnd("Create secret");
	html += "</details>\n";
	return html;
}

/// An admin's actions on one secret: reveal (audited) and delete.
std::string rowActions(const Http::Request& request, const SecretMeta& s)
{
	const std::string id = std::to_string(s.id);
	std::string html = Ui::formStart(request, "POST", "/api/secrets/" + id + "/reveal",
	                                 {"reveal-" + id, "", "", "value-" + id, "", "inline"});
	html += "<button type=\"submit\" class=\"secondary\">Reveal</button></form> ";
	html += Ui::formStart(
	    request, "DELETE", "/api/vault/secrets/" + id,
	    {"delete-" + id,
	     "Delete secret " + id + " (" + s.scope + "/" + s.name + ") with every version? Agents lose it at once.", "",
	     "", "", "inline"});
	html += "<button type=\"submit\" class=\"danger\">Delete</button></form>";
	return html;
}

/// The hidden row under a secret that shows its value once an admin
/// reveals it (nexus.js fills it with the reveal's answer), across the
/// table so that a long value has room.
std::string valueRow(const SecretMeta& s)
{
	const std::string id = std::to_string(s.id);
	return "<tr class=\"revealed\" id=\"value-" + id + "\" hidden><td colspan=\"" + std::to_string(kAdminColumns) +
	       "\"><div class=\"notice reveal\">Value of <code>" + escape(s.scope) + "</code> <code>" + escape(s.name) +
	       "</code> <small class=\"muted\">(this read is in the audit log)</small>\n" +
	       Ui::secretValue("value-text-" + id, "value") + "</div></td></tr>\n";
}

} // namespace

Http::Response secretsPage(const Http::Request& request, const Auth::Principal& principal,
                           const std::optional<std::string>& profile, std::vector<SecretMeta> rows,
                           const Http::Page& page)
{
	const bool more = page.trim(rows);
	const bool admin = Ui::isAdmin(principal);
	std::string body = "<p class=\"muted\">Secrets are encrypted at rest. Lists never hold a value; an agent reads "
	                   "one by id, and every read is audited.";
	body += admin ? " As an admin you may reveal a value: that read is audited too.</p>\n" : "</p>\n";
	body +=
	    Ui::filterForm(request, "/api/secrets",
	                   {{"profile", "Readable by profile", "", "", "text", "every profile", "", {}, false, false, 4},
	                    {"scope", "Scope", "", "", "text", "every scope", "", {}, false, false, 4}});
	if (profile) body += "<p>Unrestricted secrets and those allowing <strong>" + escape(*profile) + "</strong>.</p>\n";
	if (admin) body += createForm(request);
	if (rows.empty())
		body += "<p id=\"no-secrets\">No secrets to show.</p>\n";
	else
	{
		body += "<table id=\"secrets\">\n<thead><tr><th class=\"num\">id</th><th>scope</th><th>name</th><th>allowed "
		        "profiles</th><th class=\"num\">version</th><th>updated</th>";
		body += admin ? "<th>actions</th></tr></thead>\n<tbody>\n" : "</tr></thead>\n<tbody>\n";
		for (const auto& s : rows)
		{
			std::string profiles;
			for (const auto& p : s.allowedProfiles)
				profiles +=
				    (profiles.empty() ? "" : ", ") +
				    ("<a href=\"/api/profiles/" + escape(Http::Request::percentEncode(p)) + "\">" + escape(p) + "</a>");
			if (profiles.empty()) profiles = "<span class=\"muted\">every agent</span>";
			body += "<tr><td class=\"num\">" + std::to_string(s.id) + "</td><td><code>" + escape(s.scope) +
			        "</code></td><td><code>" + escape(s.name) + "</code></td><td>" + profiles +
			        "</td><td class=\"num\">" + std::to_string(s.version) + "</td><td>" +
			        Ui::when(Time::sqlToRfc3339(s.updatedAt)) + "</td>";
			if (admin) body += "<td>" + rowActions(request, s) + "</td>";
			body += "</tr>\n";
			if (admin) body += valueRow(s);
		}
		body += "</tbody>\n</table>\n";
	}
	body += Ui::pager(request, more ? page.nextUrl(request, std::to_string(rows.back().id)) : std::string());
	return Ui::privatePage(request, principal, Ui::Section::Secrets, "Vault", body);
}

} // namespace Vault
} // namespace Nexus
