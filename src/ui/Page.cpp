#include "ui/Page.h"

#include "http/Html.h"
#include "http/Pagination.h"
#include "http/Request.h"
#include "ui/Csrf.h"

namespace Nexus {
namespace Ui {

using Http::Html::escape;

namespace {

struct NavEntry
{
	Section section;
	const char* href;
	const char* label;
	bool adminOnly;
};

const NavEntry kNav[] = {
    {Section::Overview, "/", "Overview", false},
    {Section::Agents, "/api/agents", "Agents", false},
    {Section::Profiles, "/api/profiles", "Profiles", false},
    {Section::Registry, "/api/registry/models", "Registry", false},
    {Section::Assignments, "/api/assignments", "Assignments", true},
    {Section::Secrets, "/api/secrets", "Vault", false},
    {Section::Knowledge, "/api/knowledge", "Knowledge", false},
    {Section::Memories, "/api/memories/list", "Memories", true},
    {Section::Audit, "/admin/audit-log", "Audit log", true},
    {Section::Status, "/admin/status", "Status", true},
};

std::string csrfInput(const Http::Request& request)
{
	const auto token = Csrf::token(request);
	if (!token) return {};
	return "<input type=\"hidden\" name=\"" + std::string(Csrf::kField) + "\" value=\"" + escape(*token) + "\">";
}

/// The bar at the top: the name, the sections this principal may open, who
/// is signed in and the sign-out form.
std::string header(const Http::Request& request, const Auth::Principal& principal, Section current)
{
	const bool admin = isAdmin(principal);
	std::string html =
	    "<header class=\"bar\">\n<a class=\"brand\" href=\"/\">Nexus</a>\n<nav aria-label=\"Sections\">\n";
	for (const auto& entry : kNav)
	{
		if (entry.adminOnly && !admin) continue;
		html += "<a href=\"" + std::string(entry.href) + "\"";
		if (entry.section == current) html += " aria-current=\"page\"";
		html += ">" + std::string(entry.label) + "</a>\n";
	}
	html += "</nav>\n";
	if (principal.isUser())
	{
		const std::string& shown = principal.displayName.empty() ? principal.name : principal.displayName;
		html += "<div class=\"who\"><span id=\"nexus-user\" title=\"signed in as " + escape(principal.name) +
		        "\" data-user-id=\"" + escape(principal.name) + "\">" + escape(shown) +
		        "</span> <span class=\"role role-" + Auth::Principal::roleName(principal.role) + "\">" +
		        Auth::Principal::roleName(principal.role) + "</span>";
		html += "<form method=\"post\" action=\"/api/auth/logout\" class=\"inline\">" + csrfInput(request) +
		        "<button type=\"submit\" id=\"nexus-sign-out\" class=\"link\">Sign out</button></form></div>\n";
	}
	html += "</header>\n";
	return html;
}

std::string attribute(const char* name, const std::string& value)
{
	if (value.empty()) return {};
	return std::string(" ") + name + "=\"" + escape(value) + "\"";
}

} // namespace

bool isAdmin(const Auth::Principal& principal)
{
	return principal.isAdmin() || (principal.isUser() && principal.role == Auth::Principal::Role::Admin);
}

Http::Response page(const Http::Request& request, const Auth::Principal& principal, Section section,
                    const std::string& title, const std::string& bodyHtml, int status)
{
	Http::Response response = Http::Html::page(status, title, bodyHtml, header(request, principal, section), true);
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

Http::Response privatePage(const Http::Request& request, const Auth::Principal& principal, Section section,
                           const std::string& title, const std::string& bodyHtml)
{
	Http::Response response = page(request, principal, section, title, bodyHtml);
	response.addHeader("Cache-Control", "no-store");
	response.addHeader("Pragma", "no-cache");
	return response;
}

Http::Response errorPage(const Http::Request& request, const Auth::Principal& principal, int status,
                         const std::string& code, const std::string& message)
{
	std::string body = "<p class=\"error\" id=\"nexus-error\">" + escape(message) + "</p>\n";
	body += "<p class=\"muted\">Error <code>" + escape(code) + "</code> (HTTP " + std::to_string(status) +
	        "); request id <code>" + escape(request.requestId()) + "</code>.</p>\n";
	if (status == 401)
		body += "<p><a href=\"/api/auth/login?return_to=" + escape(Http::Request::percentEncode(request.path())) +
		        "\">Sign in</a></p>\n";
	else if (status == 403 && principal.isUser() && !isAdmin(principal))
		body += "<p>Ask an administrator for the admin role if you need this page.</p>\n";
	body += "<p><a href=\"/\">Back to the overview</a></p>\n";
	const char* title = status == 404   ? "Not found"
	                    : status == 403 ? "Not allowed"
	                    : status == 401 ? "Sign-in needed"
	                    : status >= 500 ? "Something went wrong"
	                                    : "That did not work";
	return page(request, principal, Section::None, title, body, status);
}

std::string formStart(const Http::Request& request, const std::string& method, const std::string& path,
                      const FormOptions& options)
{
	std::string html = "<form class=\"api" + (options.className.empty() ? "" : " " + escape(options.className)) + "\"" +
	                   attribute("id", options.id) + attribute("data-method", method) + attribute("data-api", path) +
	                   attribute("data-confirm", options.confirm) + attribute("data-next", options.next) +
	                   attribute("data-show", options.show) + attribute("data-body", options.body) + ">\n";
	html += csrfInput(request);
	return html;
}

std::string formEnd(const std::string& submitLabel, const std::string& buttonClass)
{
	return "<div class=\"actions\"><button type=\"submit\"" + attribute("class", buttonClass) + ">" +
	       escape(submitLabel) +
	       "</button><span class=\"busy\" hidden>Working…</span></div>\n<p class=\"form-error\" role=\"alert\" "
	       "hidden></p>\n</form>\n";
}

std::string field(const Field& f)
{
	std::string common = attribute("name", f.name) + attribute("data-type", f.kind) +
	                     attribute("placeholder", f.placeholder) + (f.required ? " required" : "") +
	                     (f.emptyAsNull ? " data-empty=\"null\"" : "");
	std::string html;
	if (f.input == "checkbox")
		html = "<label class=\"check\"><input type=\"checkbox\"" + common + (f.value == "true" ? " checked" : "") +
		       "> " + escape(f.label) + "</label>\n";
	else
	{
		std::string control;
		if (f.input == "textarea")
			control = "<textarea" + common + " rows=\"" + std::to_string(f.rows) + "\" spellcheck=\"false\">" +
			          escape(f.value) + "</textarea>";
		else if (f.input == "select")
		{
			control = "<select" + common + ">";
			// An empty option (no filter) shows as a dash.
			for (const auto& option : f.options)
				control += "<option" + std::string(option == f.value ? " selected" : "") +
				           (option.empty() ? " value=\"\">—" : ">" + escape(option)) + "</option>";
			control += "</select>";
		}
		else
			control = "<input type=\"" + escape(f.input) + "\"" + common + attribute("value", f.value) + ">";
		html = "<label>" + escape(f.label) + control + "</label>\n";
	}
	if (f.hint.empty()) return html;
	// One element with its hint, so that a grid (.grid2) keeps them together.
	return "<div class=\"field\">" + html + "<small class=\"hint\">" + escape(f.hint) + "</small></div>\n";
}

std::string filterForm(const Http::Request& request, const std::string& action, const std::vector<Field>& fields)
{
	std::string html = "<form class=\"filters\" method=\"get\" action=\"" + escape(action) + "\">\n";
	for (auto f : fields)
	{
		f.value = request.query(f.name).value_or(f.value);
		f.kind.clear();
		html += field(f);
	}
	html += "<div class=\"actions\"><button type=\"submit\">Show</button> <a class=\"reset\" href=\"" + escape(action) +
	        "\">Clear</a></div>\n</form>\n";
	return html;
}

std::string pager(const Http::Request& request, const std::string& nextUrl)
{
	std::string html = "<nav class=\"pager\" aria-label=\"Pages\">";
	if (request.query("after")) html += "<a href=\"" + escape(Http::Page::firstUrl(request)) + "\">First page</a>";
	if (!nextUrl.empty()) html += "<a rel=\"next\" href=\"" + escape(nextUrl) + "\">Next page</a>";
	html += "</nav>\n";
	return html;
}

std::string secretValue(const std::string& id, const std::string& field)
{
	return "<div class=\"secret-box\"><code class=\"secret-value\" id=\"" + escape(id) + "\" data-field=\"" +
	       escape(field) + "\"></code><button type=\"button\" class=\"secondary\" data-copy=\"" + escape(id) +
	       "\">Copy</button></div>";
}

std::string when(const std::string& rfc3339)
{
	if (rfc3339.empty()) return "—";
	// "2026-12-01T23:35:01.619Z" reads as "2026-12-01 23:35:01 UTC"; the
	// exact instant stays in datetime (and the tooltip).
	std::string shown = rfc3339;
	if (shown.size() >= 19 && shown[10] == 'T') shown = shown.substr(0, 10) + " " + shown.substr(11, 8) + " UTC";
	return "<time datetime=\"" + escape(rfc3339) + "\" title=\"" + escape(rfc3339) + "\">" + escape(shown) + "</time>";
}

} // namespace Ui
} // namespace Nexus
