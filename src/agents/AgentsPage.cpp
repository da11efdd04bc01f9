#include "agents/AgentsPage.h"

#include "http/Html.h"
#include "http/Request.h"
#include "ui/Page.h"
#include "util/Time.h"

namespace Nexus {
namespace Agents {

using Http::Html::escape;

namespace {

const int kColumns = 7; ///< of the table, for the admin (the new-token row spans them)

/// The admin's register form (POST /api/agents/register, the agents' own
/// public route).
std::string registerForm(const Http::Request& request)
{
	std::string html = "<details id=\"register-agent\"><summary>Register agent</summary>\n";
	html += Ui::formStart(request, "POST", "/api/agents/register", {"register-form", "", "", "", "", ""});
	// Each field in a cell of its own, so that its hint stays under it.
	const std::string slugHint = "lower-case letters, digits and '-'; the agent's name in paths";
	html += "<div class=\"grid2\">\n<div>";
	html += Ui::field({"slug", "Slug", "", "string", "text", "builder", slugHint, {}, true});
	html += "</div><div>";
	html += Ui::field({"name", "Name", "", "string", "text", "Build Agent", "shown to people", {}, true});
	html += "</div><div>";
	html += Ui::field({"scope", "Scope", "", "string", "text", "studio", "a short word", {}, true});
	html += "</div>\n</div>\n";
	html += Ui::formEnd("Register agent");
	html += "<p class=\"muted\">Then issue the agent a token in its row below.</p>\n";
	html += "</details>\n";
	return html;
}

std::string statusBadge(const AgentRow& row)
{
	if (row.online) return "<span class=\"badge ok\">online</span>";
	if (!row.agent.lastHeartbeatAt) return "<span class=\"badge muted\">never seen</span>";
	return "<span class=\"badge bad\">offline</span>";
}

std::string heartbeatCell(const Agent& a)
{
	if (!a.lastHeartbeatAt) return "<span class=\"muted\">never</span>";
	std::string html = Ui::when(Time::sqlToRfc3339(*a.lastHeartbeatAt));
	std::string detail;
	if (a.heartbeatStatus) detail = escape(*a.heartbeatStatus);
	if (a.heartbeatVersion) detail += (detail.empty() ? "v" : " · v") + escape(*a.heartbeatVersion);
	if (!detail.empty()) html += "<br><small class=\"muted\">" + detail + "</small>";
	return html;
}

std::string profileCell(const AgentRow& row, const std::string& defaultProfile)
{
	auto link = [](const std::string& name) {
		return "<a href=\"/api/profiles/" + escape(Http::Request::percentEncode(name)) + "\">" + escape(name) + "</a>";
	};
	if (row.profile) return link(*row.profile);
	if (!defaultProfile.empty()) return "<span class=\"muted\">default:</span> " + link(defaultProfile);
	return "<span class=\"muted\">none</span>";
}

/// The tokens column: the count and, for an admin, a link to the agent's
/// rows in the table of active tokens.
std::string tokensCell(const AgentRow& row, bool admin)
{
	std::string count = std::to_string(row.agent.activeTokens);
	if (!admin || row.tokens.empty()) return count;
	return "<a href=\"#tokens-" + escape(row.agent.slug) + "\" title=\"its tokens' hashes\">" + count + "</a>";
}

/// One active token of slug with its revoke form; the first of an agent's
/// carries the id the tokens column links to.
std::string tokenRow(const Http::Request& request, const std::string& slug, const TokenInfo& t, bool first)
{
	std::string html = "<tr" + (first ? " id=\"tokens-" + escape(slug) + "\"" : std::string()) + "><td><code>" +
	                   escape(slug) + "</code></td><td><code class=\"token-hash\">" + escape(t.hash) +
	                   "</code></td><td>" + Ui::when(Time::sqlToRfc3339(t.createdAt)) + "</td><td>" +
	                   (t.expiresAt ? Ui::when(Time::sqlToRfc3339(*t.expiresAt))
	                                : std::string("<span class=\"muted\">until revoked</span>")) +
	                   "</td><td>";
	html += Ui::formStart(request, "DELETE", "/api/agents/" + Http::Request::percentEncode(slug) + "/token/" + t.hash,
	                      {"revoke-" + t.hash.substr(0, 16),
	                       "Revoke this token of " + slug + "? The agent can no longer use it.", "", "", "", "inline"});
	return html + "<button type=\"submit\" class=\"danger\">Revoke</button></form></td></tr>\n";
}

/// The admin's table of the page's active tokens (by hash, never the
/// token), each with its revoke form.
std::string tokensTable(const Http::Request& request, const std::vector<AgentRow>& rows)
{
	std::string list;
	for (const auto& row : rows)
		for (std::size_t i = 0; i < row.tokens.size(); ++i)
			list += tokenRow(request, row.agent.slug, row.tokens[i], i == 0);
	std::string html = "<h2 id=\"active-tokens\">Active tokens</h2>\n";
	if (list.empty()) return html + "<p class=\"muted\" id=\"no-tokens\">None of these agents has a token.</p>\n";
	return html +
	       "<p class=\"muted\">Of the agents above, by hash (the SHA-256 of the token, its handle to revoke "
	       "it).</p>\n<table id=\"tokens\">\n<thead><tr><th>agent</th><th>hash</th><th>issued</th><th>expires</th>"
	       "<th>actions</th></tr></thead>\n<tbody>\n" +
	       list + "</tbody>\n</table>\n";
}

/// The admin's issue / rotate form: PUT /api/agents/:slug/token, with how
/// long the earlier tokens keep working (?grace=), the answer shown in the
/// agent's new-token row.
std::string tokenForm(const Http::Request& request, const AgentRow& row)
{
	const std::string& slug = row.agent.slug;
	const bool rotate = row.agent.activeTokens > 0;
	std::string html = Ui::formStart(
	    request, "PUT", "/api/agents/" + Http::Request::percentEncode(slug) + "/token",
	    {"token-" + slug,
	     rotate ? "Issue a new token for " + slug + "? Its current tokens stop working as chosen." : std::string(), "",
	     "new-token-" + slug, "", "inline"});
	if (rotate)
		html += "<select name=\"grace\" data-type=\"query\" aria-label=\"Earlier tokens\" title=\"Earlier tokens\">"
		        "<option value=\"0\">old tokens stop now</option><option value=\"3600\">old tokens work 1 h</option>"
		        "<option value=\"86400\">old tokens work 1 day</option></select> ";
	html += "<button type=\"submit\"" + std::string(rotate ? " class=\"secondary\">Rotate token" : ">Issue token") +
	        "</button></form>";
	return html;
}

/// The hidden row under an agent that shows a new token once (nexus.js
/// fills its data-field elements with the PUT's answer).
std::string newTokenRow(const std::string& slug)
{
	const std::string id = escape(slug);
	return "<tr class=\"new-token\" id=\"new-token-" + id + "\" hidden><td colspan=\"" + std::to_string(kColumns) +
	       "\"><div class=\"notice reveal\"><strong>New token for <code>" + id +
	       "</code>, shown only now:</strong> put it in the agent's configuration; Nexus keeps only its hash.\n" +
	       Ui::secretValue("token-value-" + slug, "token") +
	       "<small class=\"muted\">Hash <code class=\"token-hash\" data-field=\"token_hash\"></code>. Earlier "
	       "tokens work until <span data-field=\"previous_tokens_expire_at\"></span> (blank: they stopped now). "
	       "Reload the page to see the new one under Active tokens.</small></div></td></tr>\n";
}

std::string agentRow(const Http::Request& request, const AgentRow& row, bool admin, const std::string& defaultProfile)
{
	const Agent& a = row.agent;
	std::string html = "<tr id=\"agent-" + escape(a.slug) + "\"><td><code>" + escape(a.slug) + "</code><br>" +
	                   escape(a.name) + "</td><td><code>" + escape(a.scope) + "</code></td><td>" +
	                   profileCell(row, defaultProfile) + "</td><td>" + heartbeatCell(a) + "</td><td>" +
	                   statusBadge(row) + "</td><td class=\"num\">" + tokensCell(row, admin) + "</td>";
	if (admin) html += "<td>" + tokenForm(request, row) + "</td>";
	html += "</tr>\n";
	if (admin) html += newTokenRow(a.slug);
	return html;
}

} // namespace

Http::Response agentsPage(const Http::Request& request, const Auth::Principal& principal,
                          const std::vector<AgentRow>& rows, const AgentsPageFacts& facts)
{
	const bool admin = Ui::isAdmin(principal);
	std::string body = "<p class=\"muted\">Agents register themselves and send heartbeats; an agent is online while "
	                   "its last heartbeat is less than " +
	                   std::to_string(facts.offlineAfterS) + " s old.";
	body += admin ? " A token is shown once, when it is issued; Nexus keeps only its hash.</p>\n" : "</p>\n";
	if (admin) body += registerForm(request);
	if (rows.empty())
		body += "<p id=\"no-agents\">No agents registered yet.</p>\n";
	else
	{
		body += "<table id=\"agents\">\n<thead><tr><th>agent</th><th>scope</th><th>profile</th><th>last "
		        "heartbeat</th><th>status</th><th class=\"num\">tokens</th>";
		body += admin ? "<th>token</th></tr></thead>\n<tbody>\n" : "</tr></thead>\n<tbody>\n";
		for (const auto& row : rows) body += agentRow(request, row, admin, facts.defaultProfile);
		body += "</tbody>\n</table>\n";
	}
	body += Ui::pager(request, facts.nextUrl);
	if (admin && !rows.empty()) body += tokensTable(request, rows);
	return Ui::privatePage(request, principal, Ui::Section::Agents, "Agents", body);
}

} // namespace Agents
} // namespace Nexus
