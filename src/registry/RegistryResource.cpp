#include "registry/RegistryResource.h"

#include "audit/AuditLog.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "idempotency/Idempotency.h"
#include "metrics/Invalidation.h"
#include "registry/ModelInput.h"
#include "registry/RegistryPage.h"
#include "routing/Router.h"
#include "util/Time.h"

namespace Nexus {
namespace Registry {

using Auth::Access;
using Auth::Principal;
using Http::Request;
using Http::Response;

namespace {

/// The entries as JSON or, for a browser, as the UI's page.
Response listModels(const Request& request, const Principal& principal)
{
	const auto page = Http::Page::from(request, {"provider", "modality"});
	ModelFilter filter;
	if (auto provider = request.query("provider"); provider && !provider->empty()) filter.provider = *provider;
	if (auto modality = request.query("modality"); modality && !modality->empty())
	{
		if (!ModelInput::isModality(*modality))
			throw Http::BadRequest("query parameter 'modality' must be one of: " + ModelInput::modalityList());
		filter.modality = *modality;
	}
	auto rows = ModelStore::list(filter, page.fetch(), page.afterId());
	if (Http::Html::wanted(request))
	{
		const bool more = page.trim(rows);
		return modelsPage(request, principal, rows, more ? page.nextUrl(request, std::to_string(rows.back().id)) : "");
	}
	Response response =
	    page.respond(std::move(rows), request, toJson, [](const ModelEntry& m) { return std::to_string(m.id); });
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

/// The family as JSON or, for a browser, as the UI's page.
Response getFamily(const Request& request, const Principal& principal)
{
	const std::string& slug = request.pathParam("slug");
	const auto models = ModelStore::family(slug);
	if (models.empty()) throw Http::NotFound("no model family '" + slug + "' in the registry");
	if (Http::Html::wanted(request)) return familyPage(request, principal, slug, models);
	Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
	for (const auto& model : models) array->add(toJson(model));
	auto o = Http::Json::object();
	o->set("slug", slug);
	o->set("models", array);
	Response response = Response::json(200, *o);
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

Response upsertModel(const Request& request, const Principal& principal)
{
	const ModelEntry entry = ModelInput::parse(Http::Json::parseObject(request));
	Response response = Idempotency::Idempotency::once(request, principal, [&] {
		const auto [stored, created] = ModelStore::upsert(entry, Audit::Change(request, principal, "model.upsert"));
		return Response::json(created ? 201 : 200, *toJson(stored));
	});
	// upsert bumped inside a keyed transaction, before its commit: once more now.
	if (request.header("idempotency-key")) Invalidation::bump(Invalidation::Topic::Registry);
	return response;
}

Response deleteModel(const Request& request, const Principal& principal)
{
	const std::string& slug = request.pathParam("slug");
	const std::string& modelId = request.pathParam("modelId");
	if (!ModelStore::remove(slug, modelId, Audit::Change(request, principal, "model.delete")))
		throw Http::NotFound("no model '" + modelId + "' in family '" + slug +
		                     "' (a model id's '/' must be sent as %2F in this path segment)");
	return Response::noContent();
}

} // namespace

Poco::JSON::Object::Ptr toJson(const ModelEntry& model)
{
	auto o = Http::Json::object();
	o->set("id", model.id);
	o->set("slug", model.slug);
	o->set("model_id", model.modelId);
	o->set("provider", model.provider);
	o->set("name", model.name);
	o->set("context_length", Http::Json::nullable(model.contextLength));
	o->set("max_output_tokens", Http::Json::nullable(model.maxOutputTokens));
	o->set("input_modalities", Http::Json::array(model.inputModalities));
	o->set("output_modalities", Http::Json::array(model.outputModalities));
	// Stored JSON columns keep their key order (pricing: prompt, completion, cache_read, cache_write).
	o->set("pricing", Http::Json::parseStored(model.pricingJson));
	o->set("supported_parameters", Http::Json::parseStored(model.supportedParametersJson));
	o->set("deprecation_date", Http::Json::nullable(model.deprecationDate));
	o->set("metadata", Http::Json::parseStored(model.metadataJson));
	o->set("created_at", Time::sqlToRfc3339(model.createdAt));
	o->set("updated_at", Time::sqlToRfc3339(model.updatedAt));
	return o;
}

void registerRoutes(Routing::Router& router, const Settings&)
{
	router.add("GET", "/api/registry/models", Access::Reader,
	           [](const Request& r, const Principal& p) { return listModels(r, p); });
	router.add("GET", "/api/registry/models/:slug", Access::Reader,
	           [](const Request& r, const Principal& p) { return getFamily(r, p); });
	router.add("POST", "/api/registry/models", Access::Agent,
	           [](const Request& r, const Principal& p) { return upsertModel(r, p); });
	router.add("DELETE", "/api/registry/models/:slug/:modelId", Access::Agent,
	           [](const Request& r, const Principal& p) { return deleteModel(r, p); });
}

} // namespace Registry
} // namespace Nexus
