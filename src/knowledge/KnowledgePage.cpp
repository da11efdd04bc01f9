#include "knowledge/KnowledgePage.h"

#include "http/Html.h"
#include "http/Request.h"
#include "knowledge/KnowledgeYaml.h"
#include "ui/Format.h"
#include "ui/Page.h"
#include "util/Time.h"

#include <algorithm>

namespace Nexus {
namespace Knowledge {

using Http::Request;
using Http::Html::escape;

namespace {

/// The YAML editor's height: the document's lines, within these bounds.
const int kMinYamlRows = 8;
const int kMaxYamlRows = 32;

std::string kindHref(const std::string& kind)
{
	return "/api/knowledge/" + Request::percentEncode(kind);
}

std::string entityHref(const Entity& e)
{
	return kindHref(e.kind) + "/" + Request::percentEncode(e.name);
}

std::string tagsHtml(const std::vector<std::string>& tags)
{
	if (tags.empty()) return "<span class=\"muted\">none</span>";
	std::string html;
	for (const auto& tag : tags)
		html += (html.empty() ? "" : " ") + ("<span class=\"badge\">" + escape(tag) + "</span>");
	return html;
}

/// A link: clickable for http(s) only, the rest (mailto:, ssh:...) as text.
std::string linkHtml(const Link& link)
{
	const std::string text = escape(link.title.empty() ? link.url : link.title);
	const bool web = link.url.rfind("https://", 0) == 0 || link.url.rfind("http://", 0) == 0;
	if (!web) return text + (link.title.empty() ? "" : " <code>" + escape(link.url) + "</code>");
	return "<a href=\"" + escape(link.url) + "\" rel=\"noopener noreferrer\">" + text + "</a>";
}

int rowsFor(const std::string& text)
{
	const auto lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 2;
	return std::max(kMinYamlRows, std::min(kMaxYamlRows, lines));
}

/// The kinds as links, the current one marked.
std::string kindLinks(const std::optional<std::string>& current, bool admin)
{
	std::string html = "<p class=\"kinds\" id=\"knowledge-kinds\">Kinds: ";
	bool first = true;
	for (const auto& kind : Kinds::all())
	{
		html += first ? "" : " · ";
		first = false;
		if (current && *current == kind)
			html += "<strong>" + escape(kind) + "</strong>";
		else
			html += "<a href=\"" + escape(kindHref(kind)) + "\">" + escape(kind) + "</a>";
	}
	if (current) html += " · <a href=\"/api/knowledge\">every kind</a>";
	if (!current && admin) html += " <span class=\"muted\">(open a kind to add an entry)</span>";
	return html + "</p>\n";
}

/// A starting document for a new entry of kind (its name comes from the path).
std::string newEntryTemplate(const std::string& kind)
{
	return "apiVersion: nexus/v1\nkind: " + kind +
	       "\nmetadata:\n  title: A short title\n  tags: []\n  links: []\nspec: {}\ncontent: |\n  What to know, in "
	       "markdown.\n";
}

/// The admin's new-entry form on a kind's page: PUT of the YAML to the name typed.
std::string createForm(const Request& request, const std::string& kind)
{
	std::string html = "<details id=\"new-entity\"><summary>New entry</summary>\n";
	html += Ui::formStart(request, "PUT", kindHref(kind) + "/{name}",
	                      {"create-entity", "", kindHref(kind) + "/{name}", "", "yaml", ""});
	html += Ui::field({"name",
	                   "Name",
	                   "",
	                   "string",
	                   "text",
	                   "gpu-box-1",
	                   "letters, digits, '.', '_' and '-'; an existing entry of that name is replaced",
	                   {},
	                   true});
	Ui::Field yaml{"yaml", "YAML", newEntryTemplate(kind), "string", "textarea"};
	yaml.rows = 10;
	yaml.hint = "apiVersion, kind, metadata (title, tags, links), spec (any mapping), content (markdown)";
	html += Ui::field(yaml);
	html += Ui::formEnd("Create entry");
	html += "</details>\n";
	return html;
}

std::string entitiesTable(const std::vector<Entity>& rows)
{
	std::string html = "<table id=\"entities\">\n<thead><tr><th>kind</th><th>name</th><th>title</th><th>tags</th>"
	                   "<th class=\"num\">version</th><th>updated</th></tr></thead>\n<tbody>\n";
	for (const auto& e : rows)
		html += "<tr><td><a href=\"" + escape(kindHref(e.kind)) + "\">" + escape(e.kind) + "</a></td><td><a href=\"" +
		        escape(entityHref(e)) + "\"><code>" + escape(e.name) + "</code></a></td><td>" + escape(e.title) +
		        "</td><td>" + tagsHtml(e.tags) + "</td><td class=\"num\">" + std::to_string(e.version) + "</td><td>" +
		        Ui::when(Time::sqlToRfc3339(e.updatedAt)) + "</td></tr>\n";
	return html + "</tbody>\n</table>\n";
}

std::string facts(const Entity& e)
{
	std::string html = "<section class=\"panel\">\n<dl class=\"facts\" id=\"entity-facts\">\n";
	html += "<dt>Kind</dt><dd><a href=\"" + escape(kindHref(e.kind)) + "\">" + escape(e.kind) + "</a></dd>\n";
	html += "<dt>Name</dt><dd><code>" + escape(e.name) + "</code></dd>\n";
	html += "<dt>Title</dt><dd id=\"entity-title\">" + escape(e.title) + "</dd>\n";
	html += "<dt>Tags</dt><dd>" + tagsHtml(e.tags) + "</dd>\n";
	html += "<dt>Links</dt><dd>";
	if (e.links.empty()) html += "<span class=\"muted\">none</span>";
	for (std::size_t i = 0; i < e.links.size(); ++i) html += (i ? "<br>" : "") + linkHtml(e.links[i]);
	html += "</dd>\n";
	html += "<dt>Version</dt><dd>" + std::to_string(e.version) + "</dd>\n";
	html += "<dt>Created</dt><dd>" + Ui::when(Time::sqlToRfc3339(e.createdAt)) + "</dd>\n";
	html += "<dt>Updated</dt><dd>" + Ui::when(Time::sqlToRfc3339(e.updatedAt)) + "</dd>\n";
	return html + "</dl>\n</section>\n";
}

std::string adminForms(const Request& request, const Entity& e, const std::string& yaml)
{
	std::string html = "<h2 id=\"edit\">Edit as YAML</h2>\n";
	html += Ui::formStart(request, "PUT", entityHref(e), {"edit-entity", "", "", "", "yaml", ""});
	Ui::Field field{"yaml", "YAML", yaml, "string", "textarea"};
	field.rows = rowsFor(yaml);
	field.hint = "the whole entity: what you leave out is removed; version and times are Nexus's";
	html += Ui::field(field);
	html += Ui::formEnd("Save entry");
	html += "<h2 id=\"delete\">Delete</h2>\n";
	html += Ui::formStart(request, "DELETE", entityHref(e),
	                      {"delete-entity", "Delete " + e.kind + " " + e.name + " from the knowledge base?",
	                       kindHref(e.kind), "", "", ""});
	html += "<p class=\"muted\">Agents no longer find it; there is no undo (keep the YAML above if unsure).</p>\n";
	html += Ui::formEnd("Delete entry", "danger");
	return html;
}

} // namespace

Http::Response entitiesPage(const Request& request, const Auth::Principal& principal,
                            const std::optional<std::string>& kind, const std::vector<Entity>& rows,
                            const std::string& nextUrl)
{
	std::string body = "<p class=\"muted\">What the agents know about servers, domains, infrastructure, projects "
	                   "and each other. Search matches every word, as a prefix, in titles, content, names, tags, "
	                   "links and spec values.</p>\n";
	body += kindLinks(kind, Ui::isAdmin(principal));
	std::vector<Ui::Field> filters;
	if (!kind)
	{
		std::vector<std::string> kinds = {""};
		kinds.insert(kinds.end(), Kinds::all().begin(), Kinds::all().end());
		filters.push_back({"kind", "Kind", "", "", "select", "", "", kinds});
	}
	filters.push_back({"query", "Search", "", "", "text", "words to find"});
	body += Ui::filterForm(request, kind ? kindHref(*kind) : "/api/knowledge", filters);
	if (kind && Ui::isAdmin(principal)) body += createForm(request, *kind);
	if (rows.empty())
		body += "<p id=\"no-entities\">Nothing to show.</p>\n";
	else
		body += entitiesTable(rows);
	body += Ui::pager(request, nextUrl);
	return Ui::page(request, principal, Ui::Section::Knowledge, kind ? "Knowledge: " + *kind : "Knowledge", body);
}

Http::Response entityPage(const Request& request, const Auth::Principal& principal, const Entity& e)
{
	const std::string yaml = KnowledgeYaml::emit(e, true);
	std::string body = "<p><a href=\"/api/knowledge\">Knowledge</a> / <a href=\"" + escape(kindHref(e.kind)) + "\">" +
	                   escape(e.kind) + "</a> / <code>" + escape(e.name) + "</code></p>\n";
	body += facts(e);
	if (e.spec != "{}") body += "<h2>Spec</h2>\n<pre id=\"entity-spec\">" + escape(Ui::prettyJson(e.spec)) + "</pre>\n";
	body += "<h2>Content</h2>\n";
	body += e.content.empty() ? "<p class=\"muted\" id=\"entity-content\">No content.</p>\n"
	                          : "<pre id=\"entity-content\">" + escape(e.content) + "</pre>\n";
	body += "<details id=\"yaml\"" + std::string(Ui::isAdmin(principal) ? "" : " open") +
	        "><summary>As YAML</summary>\n<pre id=\"entity-yaml\">" + escape(yaml) + "</pre>\n</details>\n";
	if (Ui::isAdmin(principal)) body += adminForms(request, e, yaml);
	return Ui::page(request, principal, Ui::Section::Knowledge, e.title, body);
}

} // namespace Knowledge
} // namespace Nexus
