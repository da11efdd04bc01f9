#include "profiles/ProfilesResource.h"

#include "audit/AuditLog.h"
#include "config/Settings.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "idempotency/Idempotency.h"
#include "metrics/Invalidation.h"
#include "profiles/ProfileStore.h"
#include "profiles/ProfilesPage.h"
#include "registry/ModelStore.h"
#include "registry/RegistryResource.h"
#include "routing/Router.h"
#include "util/ExpiringCache.h"
#include "util/Time.h"
#include "vault/KeyringCache.h"

#include <Poco/String.h>
#include <Poco/Timestamp.h>

#include <chrono>

namespace Nexus {
namespace Profiles {

using Auth::Access;
using Auth::Principal;
using Http::Request;
using Http::Response;
using Registry::ModelEntry;

namespace {

using RegistryView = std::map<std::string, ModelEntry>;

std::string today()
{
	return Time::dateOf(Poco::Timestamp());
}

/// The registry entries of every model the profiles name, in one query.
RegistryView registryFor(const std::vector<Profile>& profiles)
{
	std::vector<std::string> ids;
	for (const auto& p : profiles)
		for (auto& id : modelIds(p)) ids.push_back(std::move(id));
	return ids.empty() ? RegistryView() : Registry::ModelStore::findByModelIds(ids);
}

Poco::JSON::Object::Ptr toJson(const Profile& p, const RegistryView& registry)
{
	Profile shown = p;
	shown.createdAt = Time::sqlToRfc3339(p.createdAt);
	shown.updatedAt = Time::sqlToRfc3339(p.updatedAt);
	return ProfileJson::toJson(shown, warnings(p, registry, today()));
}

[[noreturn]] void noProfile(const std::string& name)
{
	throw Http::NotFound("no profile '" + name + "'");
}

/// The :name of the route. A name no profile can have (MySQL would match
/// "Ops " to "Ops": trailing spaces do not count in its comparisons) is 404.
const std::string& nameParam(const Request& request)
{
	const std::string& name = request.pathParam("name");
	if (!ProfileJson::validName(name)) noProfile(name);
	return name;
}

/// Refuses p when it cannot be stored: a fallback repeating the model, or
/// (profiles.strict) any warning. Returns the registry view it checked against.
RegistryView check(const Profile& p, const Settings& settings)
{
	for (std::size_t i = 0; i < p.fallbacks.size(); ++i)
		if (p.fallbacks[i].model == p.model)
			throw Http::BadRequest("field 'fallbacks[" + std::to_string(i) + "]' repeats the profile's model '" +
			                       p.model + "'");
	RegistryView registry = registryFor({p});
	if (settings.profilesStrict)
	{
		const auto found = warnings(p, registry, today());
		if (!found.empty())
		{
			throw Http::HttpError(422, "unprocessable",
			                      "profiles.strict is on and the profile has warnings: " +
			                          Poco::cat(std::string("; "), found.begin(), found.end()));
		}
	}
	return registry;
}

/// A browser's list: the page's profiles with their warnings and agent counts.
Response profilesHtml(const Request& request, const Principal& principal, const Http::Page& page,
                      std::vector<Profile> profiles)
{
	const bool more = page.trim(profiles);
	const RegistryView registry = registryFor(profiles);
	const auto counts = profiles.empty() ? std::map<std::uint64_t, std::size_t>()
	                                     : ProfileStore::assignedCounts(page.after(), profiles.back().name);
	std::vector<ProfileRow> rows;
	rows.reserve(profiles.size());
	const std::string day = today();
	for (auto& p : profiles)
	{
		ProfileRow row;
		row.warnings = warnings(p, registry, day);
		const auto count = counts.find(p.id);
		row.agents = count == counts.end() ? 0 : count->second;
		row.profile = std::move(p);
		rows.push_back(std::move(row));
	}
	return profilesPage(request, principal, rows, more ? page.nextUrl(request, rows.back().profile.name) : "");
}

/// The profiles as JSON or, for a browser, as the UI's page.
Response listProfiles(const Request& request, const Principal& principal)
{
	const auto page = Http::Page::from(request, {}, ProfileJson::validName);
	auto profiles = ProfileStore::list(page.fetch(), page.after());
	if (Http::Html::wanted(request)) return profilesHtml(request, principal, page, std::move(profiles));
	const RegistryView registry = registryFor(profiles);
	Response response = page.respond(
	    std::move(profiles), request, [&registry](const Profile& p) { return toJson(p, registry); },
	    [](const Profile& p) { return p.name; });
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

/// A profile read's JSON, as text, for the day its warnings were computed on
/// (a deprecation date can pass overnight).
struct CachedProfile
{
	std::string day;
	std::string json;
};

/// The worker's cache of profile reads, keyed by name; nullptr when
/// profiles.cache_ms is 0. It depends on the profile and on the registry
/// (the warnings), so it follows both generations: the key is stamped
/// with their sum, which moves whenever either does.
ExpiringCache<CachedProfile>* profileCache(const Settings& settings)
{
	static ExpiringCache<CachedProfile> cache(4096);
	return settings.profilesCacheMs > 0 ? &cache : nullptr;
}

std::uint64_t profileGeneration()
{
	return Invalidation::generation(Invalidation::Topic::Profiles) +
	       Invalidation::generation(Invalidation::Topic::Registry);
}

Response profileJson(std::string text)
{
	Response response = Response::json(200, std::move(text));
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

/// The profile as JSON or, for a browser, as the UI's page. The JSON comes
/// from the worker's cache when it holds a fresh answer (no database query).
Response getProfile(const Request& request, const Principal& principal, const Settings& settings)
{
	const std::string& name = nameParam(request);
	const bool page = Http::Html::wanted(request);
	auto* cache = page ? nullptr : profileCache(settings);
	using Clock = ExpiringCache<CachedProfile>::Clock;
	const std::uint64_t generation = profileGeneration(); // before the database is asked
	const std::string day = today();
	if (cache)
	{
		auto hit = cache->find(name, generation, Clock::now());
		if (hit && hit->day == day) return profileJson(std::move(hit->json));
	}
	auto profile = ProfileStore::find(name);
	if (!profile) noProfile(name);
	const RegistryView registry = registryFor({*profile});
	if (page)
		return profilePage(request, principal, *profile, warnings(*profile, registry, day), registry,
		                   ProfileStore::assignedAgents(profile->id));
	std::string text = Http::Json::stringify(*toJson(*profile, registry)) + "\n";
	if (cache)
		cache->store(name, CachedProfile{day, text}, generation,
		             Clock::now() + std::chrono::milliseconds(settings.profilesCacheMs));
	return profileJson(std::move(text));
}

Response createProfile(const Request& request, const Principal& principal, const Settings& settings)
{
	const ProfilePatch patch = ProfileJson::parseCreate(Http::Json::parseObject(request));
	Profile profile;
	patch.applyTo(profile);
	check(profile, settings);
	Response response = Idempotency::Idempotency::once(request, principal, [&] {
		const Profile stored = ProfileStore::create(profile, Audit::Change(request, principal, "profile.create"));
		Response created = Response::json(201, *toJson(stored, registryFor({stored})));
		created.addHeader("Location", "/api/profiles/" + Request::percentEncode(stored.name));
		return created;
	});
	// create bumped inside a keyed transaction, before its commit: once more now.
	if (request.header("idempotency-key")) Invalidation::bump(Invalidation::Topic::Profiles);
	return response;
}

Response updateProfile(const Request& request, const Principal& principal, const Settings& settings)
{
	const std::string& name = nameParam(request);
	const ProfilePatch patch = ProfileJson::parseUpdate(Http::Json::parseObject(request));
	auto updated = ProfileStore::update(
	    name,
	    [&](Profile& p) {
		    patch.applyTo(p);
		    check(p, settings);
	    },
	    [&settings] { return Vault::KeyringCache::current(settings.vaultKeyringFile); },
	    Audit::Change(request, principal, "profile.update"));
	if (!updated) noProfile(name);
	return Response::json(200, *toJson(*updated, registryFor({*updated})));
}

bool forceParam(const Request& request)
{
	const auto force = request.query("force");
	if (!force || *force == "false") return false;
	if (*force == "true") return true;
	throw Http::BadRequest("parameter 'force' must be true or false");
}

Response deleteProfile(const Request& request, const Principal& principal)
{
	const std::string& name = nameParam(request);
	const bool force = forceParam(request);
	if (!ProfileStore::remove(name, force,
	                          Audit::Change(request, principal, force ? "profile.delete.force" : "profile.delete")))
		noProfile(name);
	return Response::noContent();
}

} // namespace

Poco::JSON::Object::Ptr effectiveConfiguration(std::uint64_t agentId, const Poco::JSON::Object::Ptr& agent,
                                               const Settings& settings)
{
	auto o = Http::Json::object();
	o->set("agent", agent);

	std::optional<Profile> profile = ProfileStore::findAssigned(agentId);
	std::string source = "assignment";
	if (!profile && !settings.profilesDefault.empty())
	{
		profile = ProfileStore::find(settings.profilesDefault);
		source = "default";
	}
	Poco::JSON::Array::Ptr models = new Poco::JSON::Array;
	if (!profile)
	{
		o->set("source", Poco::Dynamic::Var());
		o->set("profile", Poco::Dynamic::Var());
		o->set("models", models);
		return o;
	}
	const RegistryView registry = registryFor({*profile});
	o->set("source", source);
	o->set("profile", toJson(*profile, registry));
	auto entry = [&](const std::string& role, const std::string& model, const std::vector<std::string>* on) {
		auto m = Http::Json::object();
		m->set("role", role);
		m->set("model", model);
		if (on)
		{
			m->set("on", Http::Json::array(*on));
		}
		const auto found = registry.find(model);
		m->set("registry",
		       found == registry.end() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(Registry::toJson(found->second)));
		models->add(m);
	};
	if (!profile->model.empty()) entry("primary", profile->model, nullptr);
	for (const auto& f : profile->fallbacks) entry("fallback", f.model, &f.on);
	o->set("models", models);
	return o;
}

void registerRoutes(Routing::Router& router, const Settings& settings)
{
	router.add("GET", "/api/profiles", Access::Reader,
	           [](const Request& r, const Principal& p) { return listProfiles(r, p); });
	router.add("POST", "/api/profiles", Access::Admin,
	           [&settings](const Request& r, const Principal& p) { return createProfile(r, p, settings); });
	router.add("GET", "/api/profiles/:name", Access::Reader,
	           [&settings](const Request& r, const Principal& p) { return getProfile(r, p, settings); });
	router.add("PUT", "/api/profiles/:name", Access::Admin,
	           [&settings](const Request& r, const Principal& p) { return updateProfile(r, p, settings); });
	router.add("DELETE", "/api/profiles/:name", Access::Admin,
	           [](const Request& r, const Principal& p) { return deleteProfile(r, p); });
}

} // namespace Profiles
} // namespace Nexus
