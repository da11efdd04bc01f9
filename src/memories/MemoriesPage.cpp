#include "memories/MemoriesPage.h"

#include "db/FullTextQuery.h"
#include "http/Html.h"
#include "http/Request.h"
#include "memories/Snippet.h"
#include "ui/Page.h"
#include "util/Time.h"

namespace Nexus {
namespace Memories {

using Http::Request;
using Http::Html::escape;

namespace {

const char* const kList = "/api/memories/list";
const char* const kSearch = "/api/memories/search";

/// A filter field (GET forms keep the request's value; see Ui::filterForm).
Ui::Field filter(const std::string& name, const std::string& label, const std::string& input,
                 const std::string& placeholder)
{
	Ui::Field f;
	f.name = name;
	f.label = label;
	f.input = input;
	f.placeholder = placeholder;
	return f;
}

/// The path of an agent's day (the download route; a browser gets its page).
std::string dayPath(const std::string& agent, const std::string& day)
{
	return "/api/memories/download/" + Request::percentEncode(agent) + "/" + Request::percentEncode(day);
}

/// A link to the list of one agent's files.
std::string agentLink(const std::string& agent)
{
	return "<a href=\"" + escape(std::string(kList) + "?agent=" + Request::percentEncode(agent)) + "\"><code>" +
	       escape(agent) + "</code></a>";
}

/// "1 entry", "12 entries".
std::string count(std::uint64_t n, const char* one, const char* many)
{
	return std::to_string(n) + " " + (n == 1 ? one : many);
}

const std::uint64_t kKiB = 1024;
const std::uint64_t kMiB = kKiB * kKiB;

/// A byte count for people: "812 B", "4.0 KiB", "1.2 MiB" (the exact
/// number in the title).
std::string size(std::uint64_t bytes)
{
	std::string shown;
	if (bytes < kKiB)
		shown = std::to_string(bytes) + " B";
	else
	{
		const bool mib = bytes >= kMiB;
		const std::uint64_t tenths = bytes * 10 / (mib ? kMiB : kKiB);
		shown = std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + (mib ? " MiB" : " KiB");
	}
	return "<span title=\"" + std::to_string(bytes) + " bytes\">" + shown + "</span>";
}

/// An entry's time on its day's page: "14:03:07 UTC", with the date when
/// it was collected on another day than its file's.
std::string entryTime(const Entry& e, const std::string& day)
{
	const std::string rfc3339 = Time::sqlToRfc3339(e.createdAt);
	const std::string written = e.createdAt.substr(0, 10);
	const std::string shown = (written != day ? written + " " : std::string()) + e.createdAt.substr(11, 8) + " UTC";
	return "<time datetime=\"" + escape(rfc3339) + "\" title=\"" + escape(rfc3339) + "\">" + escape(shown) + "</time>";
}

std::string lowerAscii(std::string s)
{
	for (char& c : s)
		if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
	return s;
}

std::string fileRow(const DayFile& f)
{
	const std::string day = dayPath(f.agent, f.day);
	return "<tr><td>" + agentLink(f.agent) + "</td><td><a href=\"" + escape(day) + "\">" + escape(f.day) +
	       "</a></td><td class=\"num\">" + std::to_string(f.entries) + "</td><td class=\"num\">" + size(f.bytes) +
	       "</td><td>" + Ui::when(Time::sqlToRfc3339(f.updatedAt)) + "</td><td><a href=\"" +
	       escape(day + "?format=markdown") + "\">Markdown</a></td></tr>\n";
}

std::string hitRow(const Hit& h, const std::vector<std::string>& words)
{
	const std::string snippet = Snippet::make(h.window, words, h.clippedStart, h.clippedEnd);
	const std::string entry = dayPath(h.entry.agent, h.entry.day) + "#entry-" + std::to_string(h.entry.id);
	return "<tr><td>" + agentLink(h.entry.agent) + "</td><td class=\"nowrap\"><a href=\"" + escape(entry) + "\">" +
	       escape(h.entry.day) + "</a></td><td class=\"nowrap\">" + entryTime(h.entry, h.entry.day) +
	       "</td><td class=\"snippet\">" + markedHtml(snippet, words) + "</td><td class=\"num nowrap\">" +
	       size(h.entry.bytes) + "</td></tr>\n";
}

} // namespace

Http::Response listPage(const Http::Request& request, const Auth::Principal& principal, std::vector<DayFile> rows,
                        const Http::Page& page)
{
	const bool more = page.trim(rows);
	std::string body = "<p class=\"muted\">What the agents collected: one file per agent and day, newest day "
	                   "first. Open a day to read its entries, or <a href=\"" +
	                   std::string(kSearch) + "\">search every memory</a>.</p>\n";
	body += Ui::filterForm(request, kList,
	                       {filter("agent", "Agent", "text", "every agent"), filter("from", "From", "date", ""),
	                        filter("to", "To", "date", "")});
	if (rows.empty())
		body += "<p id=\"no-memories\">No memories to show.</p>\n";
	else
	{
		body += "<table id=\"memory-files\">\n<thead><tr><th>agent</th><th>day</th><th class=\"num\">entries</th>"
		        "<th class=\"num\">size</th><th>updated</th><th>download</th></tr></thead>\n<tbody>\n";
		for (const auto& f : rows) body += fileRow(f);
		body += "</tbody>\n</table>\n";
	}
	body += Ui::pager(request, more ? page.nextUrl(request, rows.back().day + "/" + std::to_string(rows.back().agentId))
	                                : std::string());
	return Ui::page(request, principal, Ui::Section::Memories, "Memories", body);
}

Http::Response dayPage(const Http::Request& request, const Auth::Principal& principal, const std::string& agent,
                       const std::string& day, const std::vector<Entry>& entries)
{
	std::uint64_t bytes = 0;
	for (const auto& e : entries) bytes += e.bytes;
	const std::string path = dayPath(agent, day);
	std::string body = "<section class=\"panel\">\n<dl class=\"facts\">\n<dt>Agent</dt><dd>" + agentLink(agent) +
	                   "</dd>\n<dt>Day</dt><dd>" + escape(day) + " (UTC)</dd>\n<dt>Entries</dt><dd>" +
	                   count(entries.size(), "entry", "entries") + ", " + size(bytes) +
	                   "</dd>\n<dt>Download</dt><dd><a id=\"download-markdown\" href=\"" +
	                   escape(path + "?format=markdown") + "\">Markdown</a> · <a id=\"download-json\" href=\"" +
	                   escape(path + "?format=json") + "\">JSON</a></dd>\n</dl>\n</section>\n";
	body += "<form class=\"filters\" method=\"get\" action=\"" + std::string(kSearch) +
	        "\">\n<input type=\"hidden\" name=\"agent\" value=\"" + escape(agent) +
	        "\">\n<label>Search this agent's memories<input type=\"search\" name=\"query\" required></label>\n"
	        "<div class=\"actions\"><button type=\"submit\">Search</button></div>\n</form>\n";
	for (const auto& e : entries)
	{
		const std::string id = std::to_string(e.id);
		body += "<section class=\"panel entry\" id=\"entry-" + id + "\">\n<h2>" + entryTime(e, day) +
		        " <small class=\"muted\">" + size(e.bytes) + " · entry " + id + "</small></h2>\n<pre>" +
		        escape(e.content) + "</pre>\n</section>\n";
	}
	return Ui::privatePage(request, principal, Ui::Section::Memories, agent + " \u2014 " + day, body);
}

Http::Response searchPage(const Http::Request& request, const Auth::Principal& principal,
                          const std::optional<Db::FullTextQuery>& query, std::vector<Hit> hits, const Http::Page& page,
                          const std::string& nextCursor)
{
	const bool more = page.trim(hits);
	std::string body = "<p class=\"muted\">Finds entries holding any of the words (a word also finds longer ones "
	                   "that start with it), best match first. <a href=\"" +
	                   std::string(kList) + "\">Back to the memory files</a>.</p>\n";
	Ui::Field words = filter("query", "Words", "search", "ollama gpu");
	words.required = true;
	body += Ui::filterForm(request, kSearch,
	                       {words, filter("agent", "Agent", "text", "every agent"), filter("from", "From", "date", ""),
	                        filter("to", "To", "date", "")});
	if (!query)
		body += "<p id=\"no-query\">Type one or more words to search for.</p>\n";
	else if (hits.empty())
		body += "<p id=\"no-hits\">No entry holds " + std::string(query->words().size() == 1 ? "" : "any of ") +
		        "<strong>" + escape(query->text()) + "</strong>.</p>\n";
	else
	{
		body += "<table id=\"memory-hits\">\n<thead><tr><th>agent</th><th>day</th><th>collected</th><th>snippet</th>"
		        "<th class=\"num\">size</th></tr></thead>\n<tbody>\n";
		for (const auto& h : hits) body += hitRow(h, query->words());
		body += "</tbody>\n</table>\n";
	}
	body += Ui::pager(request, more ? page.nextUrl(request, nextCursor) : std::string());
	return Ui::privatePage(request, principal, Ui::Section::Memories, "Search memories", body);
}

std::string markedHtml(const std::string& text, const std::vector<std::string>& words)
{
	const std::string lower = lowerAscii(text);
	std::string html;
	std::size_t done = 0;
	for (std::size_t i = 0; i < text.size();)
	{
		std::size_t length = 0;
		for (const auto& word : words)
			if (word.size() > length && lower.compare(i, word.size(), word) == 0) length = word.size();
		if (length == 0)
		{
			++i;
			continue;
		}
		html += escape(text.substr(done, i - done)) + "<mark>" + escape(text.substr(i, length)) + "</mark>";
		i += length;
		done = i;
	}
	return html + escape(text.substr(done));
}

} // namespace Memories
} // namespace Nexus
