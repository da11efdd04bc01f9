#include "memories/MemoriesResource.h"

#include "audit/AccessAudit.h"
#include "config/Settings.h"
#include "db/FullTextQuery.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "http/Validate.h"
#include "idempotency/Idempotency.h"
#include "memories/MemoriesPage.h"
#include "memories/MemoryDocument.h"
#include "memories/MemoryInput.h"
#include "memories/MemoryStore.h"
#include "memories/Snippet.h"
#include "routing/Router.h"
#include "util/Integer.h"
#include "util/Time.h"

#include <limits>
#include <memory>

namespace Nexus {
namespace Memories {

using Auth::Access;
using Auth::Principal;
using Http::Request;
using Http::Response;

// Collecting is an agent writing its own data, not an admin write: it is
// not audited (README, "Memories"). Nothing else here changes state.

namespace {

using Cursor = std::optional<std::pair<std::string, std::uint64_t>>;

/// A search (?query=) holds at most this many characters.
const std::size_t kMaxSearchChars = 200;

/// The one access rule of memories: an agent token acts on its own memories
/// only (403 for another agent's); the admin, and on the routes that let one
/// in a signed-in user, on any agent's. Download applies the same rule
/// through its route's AgentSelf access. A refusal is audited (access.denied).
void requireOwn(const Request& request, const Principal& principal, const std::string& agent)
{
	if (principal.isAgent()) Audit::AccessAudit::check(request, principal, Access::AgentSelf, {agent});
}

/// The agent's row id: the token's own, else looked up (404 naming it).
std::uint64_t agentIdOf(const Principal& principal, const std::string& agent)
{
	if (principal.isAgent() && principal.name == agent) return principal.agentId;
	const auto id = MemoryStore::agentId(agent);
	if (!id) throw Http::NotFound("no agent '" + agent + "'");
	return *id;
}

/// A query parameter; an empty value (an empty form field) counts as absent.
std::optional<std::string> parameter(const Request& request, const std::string& name)
{
	auto value = request.query(name);
	if (value && value->empty()) value.reset();
	return value;
}

/// What a list or a search covers: ?agent= (an agent token: only itself,
/// and itself when absent), ?date= or the range ?from= .. ?to=.
DayRange rangeOf(const Request& request, const Principal& principal)
{
	DayRange range;
	auto agent = parameter(request, "agent");
	if (agent && !Http::Validate::slug(*agent))
		throw Http::BadRequest("query parameter 'agent' must be an agent slug: " + std::string(MemoryInput::kSlugRule));
	if (!agent && principal.isAgent()) agent = principal.name;
	if (agent)
	{
		requireOwn(request, principal, *agent);
		range.agentId = agentIdOf(principal, *agent);
	}
	const Days days = MemoryInput::days(request);
	range.from = days.from;
	range.to = days.to;
	return range;
}

std::string cursorOf(const DayFile& f)
{
	return f.day + "/" + std::to_string(f.agentId);
}

/// The (day, agent id) a list page starts after, from ?after=.
Cursor cursorFrom(const Http::Page& page)
{
	return MemoryInput::cursor(page.after());
}

Poco::JSON::Object::Ptr toJson(const DayFile& f)
{
	auto o = Http::Json::object();
	o->set("agent", f.agent);
	o->set("date", f.day);
	o->set("entries", f.entries);
	o->set("bytes", f.bytes);
	o->set("updated_at", Time::sqlToRfc3339(f.updatedAt));
	return o;
}

/// An entry's metadata: id, agent, date, created_at, bytes.
Poco::JSON::Object::Ptr toJson(const Entry& e)
{
	auto o = Http::Json::object();
	o->set("id", e.id);
	o->set("agent", e.agent);
	o->set("date", e.day);
	o->set("created_at", Time::sqlToRfc3339(e.createdAt));
	o->set("bytes", e.bytes);
	return o;
}

Response collect(const Request& request, const Principal& principal, const Settings& settings)
{
	Collected c = MemoryInput::collect(request, settings.memoriesMaxEntryBytes);
	requireOwn(request, principal, c.agent);
	const std::string day = c.date ? *c.date : Time::dateOf(Poco::Timestamp());
	const std::uint64_t agentId = agentIdOf(principal, c.agent);
	return Idempotency::Idempotency::once(request, principal, [&] {
		return Response::json(201, *toJson(MemoryStore::collect(agentId, c.agent, day, c.content)));
	});
}

/// The memory files as JSON or, for a browser, as an HTML page.
Response list(const Request& request, const Principal& principal)
{
	const auto page = Http::Page::from(request, {"agent", "date", "from", "to"});
	const DayRange range = rangeOf(request, principal);
	auto rows = MemoryStore::days(range, page.fetch(), cursorFrom(page));
	if (Http::Html::wanted(request)) return listPage(request, principal, std::move(rows), page);
	Response response = page.respond(
	    std::move(rows), request, [](const DayFile& f) { return toJson(f); }, cursorOf);
	response.addHeader("Vary", "Accept, Authorization");
	return response;
}

/// One agent's day as a markdown document (an attachment), as JSON, or,
/// for a browser that names no format, as a page. An explicit ?format=
/// wins over the negotiation: the page's download link says
/// ?format=markdown, and the browser following it sends Accept: text/html.
/// The route's AgentSelf access has checked the token against :slug.
///
/// Markdown and JSON are streamed (a day has no bound on its entries): the
/// first chunk is read here, so a missing day is still a 404 and a database
/// that cannot be reached a 503; the rest is read and written chunk by
/// chunk after the 200 has gone out (MemoryDocument::Writer, DayReader).
/// A database error after that (or the request deadline) is logged and
/// ends the body short (Http::Response): JSON is then invalid, markdown
/// just ends early. The page is built whole.
Response download(const Request& request, const Principal& principal)
{
	const std::string& agent = request.pathParam("slug");
	if (!Http::Validate::slug(agent)) throw Http::NotFound("no agent '" + agent + "'");
	const std::string& day = request.pathParam("date");
	if (!Time::isDate(day)) throw Http::BadRequest(MemoryInput::invalidDay("path parameter 'date'"));
	const auto asked = parameter(request, "format");
	const std::string format = asked.value_or(Http::Html::wanted(request) ? "html" : "markdown");
	if (format != "markdown" && format != "json" && (asked || format != "html"))
		throw Http::BadRequest("query parameter 'format' must be markdown (the default) or json");
	if (!Http::Validate::slug(agent)) throw Http::NotFound("no agent '" + agent + "'");
	const auto none = [&] { return Http::NotFound("agent '" + agent + "' has no memories on " + day); };

	if (format == "html")
	{
		const auto entries = MemoryStore::day(agent, day);
		if (entries.empty()) throw none();
		return dayPage(request, principal, agent, day, entries);
	}
	const auto agentId = principal.isAgent() && principal.name == agent
	                         ? std::optional<std::uint64_t>(principal.agentId)
	                         : MemoryStore::agentId(agent);
	if (!agentId) throw none();
	auto reader = std::make_shared<DayReader>(*agentId, agent, day);
	auto chunk = std::make_shared<std::vector<Entry>>(reader->first());
	if (chunk->empty()) throw none();
	const bool json = format == "json";
	auto writer = std::make_shared<MemoryDocument::Writer>(
	    json ? MemoryDocument::Format::Json : MemoryDocument::Format::Markdown, agent, day);
	Response response = Response::streamed(
	    200, json ? "application/json; charset=utf-8" : "text/markdown; charset=utf-8",
	    [reader, chunk, writer](Http::BodySink& sink) {
		    sink.write(writer->begin());
		    for (std::vector<Entry> entries = std::move(*chunk); !entries.empty(); entries = reader->next())
			    sink.write(writer->entries(entries));
		    sink.write(writer->end());
	    });
	if (!json)
		response.addHeader("Content-Disposition",
		                   "attachment; filename=\"" + MemoryDocument::fileName(agent, day, "md") + "\"");
	return response;
}

/// The words of a search (?query=). Throws Http::BadRequest naming 'query'.
Db::FullTextQuery searchQuery(const std::string& text)
{
	try
	{
		return Db::FullTextQuery::parse(text, kMaxSearchChars, MemoryStore::kMaxSearchWords);
	}
	catch (const std::invalid_argument& e)
	{
		throw Http::BadRequest(std::string("query parameter 'query' ") + e.what());
	}
}

/// Full-text search, best match first, as JSON or, for a browser, as a
/// page (which without ?query= shows just the search form). Pages by rank:
/// the cursor is the number of hits already shown.
Response search(const Request& request, const Principal& principal)
{
	const auto page = Http::Page::from(request, {"query", "agent", "from", "to"});
	const bool html = Http::Html::wanted(request);
	const auto text = parameter(request, "query");
	if (!text && !html) throw Http::BadRequest("query parameter 'query' is required");
	const std::optional<Db::FullTextQuery> query =
	    text ? std::optional<Db::FullTextQuery>(searchQuery(*text)) : std::nullopt;
	const DayRange range = rangeOf(request, principal);
	const std::uint64_t offset = page.afterId();
	auto hits = query ? MemoryStore::search(range, *query, page.fetch(), offset) : std::vector<Hit>();
	const std::string next = std::to_string(offset + page.limit());
	if (html) return searchPage(request, principal, query, std::move(hits), page, next);
	return page.respond(
	    std::move(hits), request,
	    [&query](const Hit& h) {
		    auto o = toJson(h.entry);
		    o->set("snippet", Snippet::make(h.window, query->words(), h.clippedStart, h.clippedEnd));
		    return o;
	    },
	    [&next](const Hit&) -> const std::string& { return next; });
}

} // namespace

void registerRoutes(Routing::Router& router, const Settings& settings)
{
	router.add("POST", "/api/memories/collect", Access::AgentToken,
	           [&settings](const Request& r, const Principal& p) { return collect(r, p, settings); });
	router.add("GET", "/api/memories/list", Access::Agent,
	           [](const Request& r, const Principal& p) { return list(r, p); });
	// :slug, not :agent, so that the policy's AgentSelf check applies to it.
	router.add("GET", "/api/memories/download/:slug/:date", Access::AgentSelf,
	           [](const Request& r, const Principal& p) { return download(r, p); });
	router.add("GET", "/api/memories/search", Access::Agent,
	           [](const Request& r, const Principal& p) { return search(r, p); });
}

} // namespace Memories
} // namespace Nexus
