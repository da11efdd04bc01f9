#include "knowledge/KnowledgeResource.h"

#include "audit/AuditLog.h"
#include "config/Settings.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "knowledge/KnowledgeInput.h"
#include "knowledge/KnowledgePage.h"
#include "knowledge/KnowledgeStore.h"
#include "knowledge/KnowledgeYaml.h"
#include "metrics/Invalidation.h"
#include "routing/Router.h"
#include "util/ExpiringCache.h"

#include <set>

namespace Nexus {
namespace Knowledge {

using Auth::Access;
using Auth::Principal;
using Http::Request;
using Http::Response;

namespace {

const char* const kYamlType = "application/yaml; charset=utf-8";

/// A search (?query=): at most this many characters and different words.
const std::size_t kMaxQueryChars = 200;
const std::size_t kMaxQueryWords = KnowledgeStore::kMaxSearchWords;

enum class Format
{
	Json,
	Yaml
};

Format formatOf(const Request& request)
{
	const auto format = request.query("format");
	if (!format || format->empty() || *format == "json") return Format::Json;
	if (*format == "yaml") return Format::Yaml;
	throw Http::BadRequest("query parameter 'format' must be json or yaml");
}

Limits limitsOf(const Settings& settings)
{
	Limits limits;
	limits.maxContentBytes = settings.knowledgeMaxContentBytes;
	return limits;
}

std::optional<Db::FullTextQuery> searchParameter(const Request& request)
{
	const auto text = request.query("query");
	if (!text || text->find_first_not_of(" \t") == std::string::npos) return std::nullopt;
	try
	{
		const auto [minChars, maxChars] = KnowledgeStore::tokenSizes();
		return Db::FullTextQuery::parse(*text, kMaxQueryChars, kMaxQueryWords, minChars, maxChars);
	}
	catch (const std::invalid_argument& e)
	{
		throw Http::BadRequest(std::string("query parameter 'query' ") + e.what());
	}
}

/// The kind and name of the route's path, checked.
Key keyOf(const Request& request)
{
	Key key{request.pathParam("kind"), request.pathParam("name")};
	if (!Kinds::isKind(key.kind))
		throw Http::NotFound("no kind '" + key.kind + "' in the knowledge base; the kinds are " + Kinds::list());
	if (!Kinds::isName(key.name))
		throw Http::BadRequest("path parameter 'name' must be letters, digits, '.', '_' and '-', starting with a "
		                       "letter or digit, at most " +
		                       std::to_string(Kinds::kMaxNameChars) + " characters");
	return key;
}

Response entityResponse(int status, const Entity& entity, Format format)
{
	if (format == Format::Yaml) return Response(status, kYamlType, KnowledgeYaml::emit(entity, true));
	return Response::json(status, *entity.toJson());
}

/// A JSON list's answer as the cache keeps it: the body and the Link
/// header ("" when there is no next page).
struct CachedList
{
	std::string json;
	std::string link;
};

/// What the list cache keeps at most: 128 answers of at most 64 KiB each
/// (8 MiB per worker at worst; a page of 20 typical entities is about 12 KiB).
/// Larger answers and longer URLs are not cached.
const std::size_t kCachedLists = 128;
const std::size_t kMaxCachedListBytes = std::size_t{64} * 1024;
const std::size_t kMaxCachedUrlBytes = 1024;

/// The worker's cache of JSON lists and searches, keyed by the URL (path and
/// query string: the answer, its Link header included, depends on nothing
/// else once the caller may read the knowledge base); nullptr when
/// knowledge.cache_ms is 0. Every knowledge write moves its generation.
ExpiringCache<CachedList>* listCache(const Settings& settings)
{
	static ExpiringCache<CachedList> cache(kCachedLists);
	return settings.knowledgeCacheMs > 0 ? &cache : nullptr;
}

Response listJson(std::string json, const std::string& link)
{
	Response response = Response::json(200, std::move(json));
	if (!link.empty()) response.addHeader("Link", link);
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

/// A list as JSON, as YAML (?format=yaml) or, for a browser that asked for
/// neither, as the UI's page (pageKind: the kind of /api/knowledge/:kind).
/// The JSON comes from the worker's cache when it holds a fresh answer for
/// the same URL (no database query).
Response listEntities(const Request& request, const Principal& principal, const Settings& settings,
                      std::vector<std::string> kinds, const std::optional<std::string>& pageKind = std::nullopt)
{
	const Format format = formatOf(request);
	const bool html = Http::Html::wanted(request) && !request.query("format");
	const auto page = Http::Page::from(request, {"kind", "query", "format"});
	KnowledgeStore::Filter filter;
	filter.kinds = std::move(kinds);
	filter.search = searchParameter(request);
	const std::string url = request.path() + "?" + request.queryString();
	auto* cache = format == Format::Json && !html && url.size() <= kMaxCachedUrlBytes ? listCache(settings) : nullptr;
	using Clock = ExpiringCache<CachedList>::Clock;
	const std::uint64_t generation = Invalidation::generation(Invalidation::Topic::Knowledge); // before the query
	if (cache)
	{
		if (auto hit = cache->find(url, generation, Clock::now())) return listJson(std::move(hit->json), hit->link);
	}
	auto rows = KnowledgeStore::list(filter, page.fetch(), page.after());
	const auto cursor = [](const KnowledgeStore::Row& row) { return row.cursor; };
	if (format == Format::Json && !html)
	{
		Response response = page.respond(
		    std::move(rows), request, [](const KnowledgeStore::Row& row) { return row.entity.toJson(); }, cursor);
		response.addHeader("Vary", "Accept, Authorization, Cookie");
		if (cache && response.body().size() <= kMaxCachedListBytes)
			cache->store(url, CachedList{response.body(), response.header("Link")}, generation,
			             Clock::now() + std::chrono::milliseconds(settings.knowledgeCacheMs));
		return response;
	}

	const bool more = page.trim(rows);
	std::vector<Entity> entities;
	entities.reserve(rows.size());
	for (auto& row : rows) entities.push_back(std::move(row.entity));
	if (html)
		return entitiesPage(request, principal, pageKind, entities,
		                    more ? page.nextUrl(request, rows.back().cursor) : "");
	Response response(200, kYamlType, KnowledgeYaml::emitStream(entities, true));
	if (more) response.addHeader("Link", page.nextLink(request, rows.back().cursor));
	return response;
}

Response listOfKind(const Request& request, const Principal& principal, const Settings& settings)
{
	const std::string& kind = request.pathParam("kind");
	if (!Kinds::isKind(kind))
		throw Http::NotFound("no kind '" + kind + "' in the knowledge base; the kinds are " + Kinds::list());
	if (const auto other = request.query("kind"); other && !other->empty())
		throw Http::BadRequest("query parameter 'kind' does not go with /api/knowledge/" + kind +
		                       " (the path names the kind); use /api/knowledge?kind=...");
	return listEntities(request, principal, settings, {kind}, kind);
}

/// The entity as JSON, YAML or, for a browser that asked for neither, as the UI's page.
Response getEntity(const Request& request, const Principal& principal)
{
	const Format format = formatOf(request);
	const Key key = keyOf(request);
	const auto entity = KnowledgeStore::find(key.kind, key.name);
	if (!entity) throw Http::NotFound("no " + key.kind + " '" + key.name + "' in the knowledge base");
	if (Http::Html::wanted(request) && !request.query("format")) return entityPage(request, principal, *entity);
	Response response = entityResponse(200, *entity, format);
	if (format == Format::Json) response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

Response putEntity(const Request& request, const Principal& principal, const Settings& settings)
{
	const Format format = formatOf(request);
	const Key key = keyOf(request);
	const Entity entity = KnowledgeInput::entity(request, key, limitsOf(settings));
	const auto result = KnowledgeStore::put(entity, Audit::Change(request, principal, "knowledge.put"));
	const bool created = result.change == KnowledgeStore::Change::Created;
	Response response = entityResponse(created ? 201 : 200, result.entity, format);
	if (created) response.addHeader("Location", "/api/knowledge/" + key.kind + "/" + Request::percentEncode(key.name));
	return response;
}

Response deleteEntity(const Request& request, const Principal& principal)
{
	const Key key = keyOf(request);
	if (!KnowledgeStore::remove(key.kind, key.name, Audit::Change(request, principal, "knowledge.delete")))
		throw Http::NotFound("no " + key.kind + " '" + key.name + "' in the knowledge base");
	return Response::noContent();
}

} // namespace

void registerRoutes(Routing::Router& router, const Settings& settings)
{
	router.add("GET", "/api/knowledge", Access::Reader, [&settings](const Request& r, const Principal& p) {
		return listEntities(r, p, settings, KnowledgeInput::kinds(r));
	});
	router.add("GET", "/api/knowledge/:kind", Access::Reader,
	           [&settings](const Request& r, const Principal& p) { return listOfKind(r, p, settings); });
	router.add("GET", "/api/knowledge/:kind/:name", Access::Reader,
	           [](const Request& r, const Principal& p) { return getEntity(r, p); });
	router.add("PUT", "/api/knowledge/:kind/:name", Access::Admin,
	           [&settings](const Request& r, const Principal& p) { return putEntity(r, p, settings); });
	router.add("DELETE", "/api/knowledge/:kind/:name", Access::Admin,
	           [](const Request& r, const Principal& p) { return deleteEntity(r, p); });
}

} // namespace Knowledge
} // namespace Nexus
