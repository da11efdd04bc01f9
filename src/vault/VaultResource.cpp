#include "vault/VaultResource.h"

#include "audit/AuditLog.h"
#include "config/Settings.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "idempotency/Idempotency.h"
#include "metrics/Invalidation.h"
#include "routing/Router.h"
#include "util/ExpiringCache.h"
#include "util/Integer.h"
#include "util/Time.h"
#include "util/Wiper.h"
#include "vault/Envelope.h"
#include "vault/KeyringCache.h"
#include "vault/SecretMac.h"
#include "vault/SecretsPage.h"
#include "vault/VaultInput.h"
#include "vault/VaultStore.h"

#include <Poco/Logger.h>

#include <limits>

namespace Nexus {
namespace Vault {

using Audit::AuditLog;
using Audit::Outcome;
using Auth::Access;
using Auth::Principal;
using Http::Request;
using Http::Response;

namespace {

Poco::JSON::Object::Ptr toJson(const SecretMeta& m)
{
	auto o = Http::Json::object();
	o->set("id", m.id);
	o->set("scope", m.scope);
	o->set("name", m.name);
	o->set("allowed_profiles", Http::Json::array(m.allowedProfiles));
	o->set("version", m.version);
	o->set("created_at", Time::sqlToRfc3339(m.createdAt));
	o->set("updated_at", Time::sqlToRfc3339(m.updatedAt));
	return o;
}

std::string target(std::uint64_t id)
{
	return VaultStore::auditTarget(id);
}

std::uint64_t secretId(const Request& request)
{
	return VaultInput::secretId(request);
}

/// Overwrites a vault write's request body when its handler is done (the
/// value is in the body's text too).
struct BodyWiper
{
	const Request& request;
	BodyWiper(const BodyWiper&) = delete;
	BodyWiper& operator=(const BodyWiper&) = delete;
	~BodyWiper() { request.wipeBody(); }
};

/// Seals value for a new version under keyring's active key.
Sealer sealerFor(const std::string& scope, const std::string& name, const std::string& value, const Keyring& keyring)
{
	return [&scope, &name, &value, &keyring](std::uint64_t id, std::uint32_t version) {
		return std::make_pair(keyring.activeId(),
		                      Envelope::seal(keyring, Envelope::identity(id, scope, name, version), value));
	};
}

Response createSecret(const Request& request, const Principal& principal, const Settings& settings)
{
	const BodyWiper bodyWiper{request};
	const NewSecret secret = VaultInput::create(request, settings.vaultMaxValueBytes);
	const std::string& scope = secret.scope;
	const std::string& name = secret.name;
	const std::string& value = secret.value;
	const auto& profiles = secret.allowedProfiles;

	const auto keyring = KeyringCache::current(settings.vaultKeyringFile);
	// The stored answer of a keyed create is the metadata below, never the value.
	Response response = Idempotency::Idempotency::once(request, principal, [&] {
		const SecretMeta meta = VaultStore::create(scope, name, profiles, sealerFor(scope, name, value, *keyring),
		                                           *keyring, Audit::Change(request, principal, "secret.create"));
		return Response::json(201, *toJson(meta));
	});
	// create bumped inside a keyed transaction, before its commit: once more now.
	if (request.header("idempotency-key")) Invalidation::bump(Invalidation::Topic::Secrets);
	return response;
}

/// A page of secret metadata (?scope=, ?limit=, ?after=) as JSON, or as
/// the HTML page when html is set.
Response listSecrets(const Request& request, const Principal& principal, const Viewer& viewer, bool html = false)
{
	const auto page = Http::Page::from(request, {"scope", "profile"});
	auto scope = request.query("scope");
	if (scope && scope->empty()) scope.reset();
	Viewer view = viewer;
	if (principal.isAgent()) view.agentId = principal.agentId;
	auto rows = VaultStore::list(scope, view, page.fetch(), page.afterId());
	if (html) return secretsPage(request, principal, view.profile, std::move(rows), page);
	return page.respond(std::move(rows), request, toJson, [](const SecretMeta& s) { return std::to_string(s.id); });
}

/// A cached record that no longer opens (rewrapped and its old key
/// retired by nexusctl, whose changes reach a pool only through the TTL):
/// the caller drops it and reads the record again.
struct StaleRecord
{};

/// The JSON of a secret with its value (what Http::Json would make of id,
/// scope, name, value, allowed_profiles and version), written by hand into
/// one buffer of the right size, so that the value is copied once, into the
/// response, which wipes it when done (Response::secretJson).
Response valueResponse(const SecretMeta& meta, const std::string& value)
{
	std::string profiles = "[";
	for (std::size_t i = 0; i < meta.allowedProfiles.size(); ++i)
		profiles += (i ? "," : "") + Http::Json::quote(meta.allowedProfiles[i]);
	profiles += "]";
	const std::string head = "{\"id\":" + std::to_string(meta.id) + ",\"scope\":" + Http::Json::quote(meta.scope) +
	                         ",\"name\":" + Http::Json::quote(meta.name) + ",\"value\":";
	const std::string tail =
	    ",\"allowed_profiles\":" + profiles + ",\"version\":" + std::to_string(meta.version) + "}\n";
	std::string body;
	body.reserve(head.size() + Http::Json::quotedSize(value) + tail.size());
	body += head;
	Http::Json::appendQuoted(body, value);
	body += tail;
	return Response::secretJson(200, std::move(body));
}

/// Answers a read of secret (already looked up for principal): 404 when its
/// profile may not read it (the answer to an unknown id: an agent cannot
/// probe which ids exist), else the decrypted value. Every outcome is
/// audited first; an audit failure is a 503 and the value does not leave.
/// action: "secret.read" (an agent's or the admin token's GET) or
/// "secret.reveal" (an admin's reveal in the UI). cached: the record came
/// from the worker's cache, so a failure to open it throws StaleRecord
/// (nothing audited) instead of answering.
Response deliver(const Request& request, const Principal& principal, const SecretRecord& secret,
                 const Settings& settings, const char* action = "secret.read", bool cached = false)
{
	const std::uint64_t id = secret.meta.id;
	const auto keyring = KeyringCache::current(settings.vaultKeyringFile);
	// First: a version pointer moved back or a list emptied decides what
	// readable and the record say, so neither is trusted before this.
	if (!SecretMac::holds(*keyring, secret.meta))
	{
		if (cached) throw StaleRecord(); // read before the MAC was stamped (vault mac-key): look again
		Poco::Logger::get("vault").error("secret %s fails its integrity check: its current version (%u) or its "
		                                 "allowed profiles were changed outside Nexus, or it has no MAC",
		                                 std::to_string(id), secret.meta.version);
		AuditLog::record(request, principal, action, target(id), Outcome::Error);
		throw Http::HttpError(500, "integrity",
		                      "secret " + std::to_string(id) +
		                          " fails its integrity check: its current version or its allowed profiles were "
		                          "changed outside Nexus; the read is refused and audited (an admin replaces "
		                          "it with a PUT of both 'value' and 'allowed_profiles')");
	}
	if (!secret.readable)
	{
		AuditLog::record(request, principal, action, target(id), Outcome::Denied);
		throw Http::NotFound("no secret " + std::to_string(id));
	}

	std::string value;
	Wiper wiper(value);
	try
	{
		value = Envelope::open(
		    *keyring, Envelope::identity(id, secret.meta.scope, secret.meta.name, secret.meta.version), secret.record);
	}
	catch (const std::exception& e) // DecryptError, KeyringError: a damaged record or a missing key
	{
		if (cached) throw StaleRecord();
		Poco::Logger::get("vault").error("secret %s version %u cannot be opened: %s", std::to_string(id),
		                                 secret.meta.version, std::string(e.what()));
		AuditLog::record(request, principal, action, target(id), Outcome::Error);
		throw Http::HttpError(500, "undecryptable",
		                      "secret " + std::to_string(id) +
		                          " cannot be decrypted: the stored record fails its "
		                          "integrity check or its key is not in the keyring; the failure is audited");
	}
	// Fail closed: the value leaves only after its read is durably recorded.
	AuditLog::record(request, principal, action, target(id), Outcome::Ok);
	return valueResponse(secret.meta, value);
}

Response readSecret(const Request& request, const Principal& principal, const Settings& settings)
{
	const std::uint64_t id = secretId(request);
	const std::optional<std::uint64_t> agent =
	    principal.isAgent() ? std::optional<std::uint64_t>(principal.agentId) : std::nullopt;
	const auto secret = VaultStore::read(id, agent);
	if (!secret) throw Http::NotFound("no secret " + std::to_string(id));
	return deliver(request, principal, *secret, settings);
}

/// An admin's reveal of one value from the UI: a POST (never cached,
/// prefetched or sent on by a link), audited as "secret.reveal".
Response revealSecret(const Request& request, const Principal& principal, const Settings& settings)
{
	const std::uint64_t id = secretId(request);
	const auto secret = VaultStore::read(id, std::nullopt);
	if (!secret) throw Http::NotFound("no secret " + std::to_string(id));
	Response response = deliver(request, principal, *secret, settings, "secret.reveal");
	response.addHeader("Cache-Control", "no-store");
	response.addHeader("Pragma", "no-cache");
	return response;
}

/// What an agent's read looked up: whose token it is and the secret's
/// current record with that agent's right to it (the record stays
/// encrypted; every read opens it again).
struct CachedRead
{
	Principal agent;
	SecretRecord secret;
};

/// The worker's cache of agent reads, keyed by token hash and secret id;
/// nullptr when vault.cache_ms is 0. An entry depends on the token, the
/// secret, the agent's assignment and the profiles, so it is stamped with
/// the sum of those four generations, which moves whenever one does. At
/// most 4,096 entries (records are small: a value is at most
/// vault.max_value_bytes, 64 KiB by default).
ExpiringCache<CachedRead>* readCache(const Settings& settings)
{
	static ExpiringCache<CachedRead> cache(4096);
	return settings.vaultCacheMs > 0 ? &cache : nullptr;
}

std::uint64_t readGeneration()
{
	using Invalidation::Topic;
	return Invalidation::generation(Topic::Tokens) + Invalidation::generation(Topic::Secrets) +
	       Invalidation::generation(Topic::Assignments) + Invalidation::generation(Topic::Profiles);
}

/// The hottest read: with an agent token, one query checks the token and
/// fetches the secret with the agent's right to it, or the worker's cache
/// holds that answer (no query before the audit row's). Declines (to the
/// normal path, which then answers 401 or 404) when the query finds nothing.
std::optional<Response> readSecretWithToken(const Request& request, const std::string& tokenHash,
                                            const Settings& settings, std::string& principal)
{
	const auto id = parseInteger(request.pathParam("id"));
	if (!id || *id < 1) return std::nullopt;
	auto* cache = readCache(settings);
	using Clock = ExpiringCache<CachedRead>::Clock;
	const std::string key = tokenHash + ":" + std::to_string(*id);
	const std::uint64_t generation = readGeneration(); // before the database is asked
	if (cache)
	{
		if (auto hit = cache->find(key, generation, Clock::now()))
		{
			try
			{
				principal = hit->agent.label();
				return deliver(request, hit->agent, hit->secret, settings, "secret.read", true);
			}
			catch (const StaleRecord&)
			{
				cache->erase(key);
			}
		}
	}
	auto found = VaultStore::readWithToken(static_cast<std::uint64_t>(*id), tokenHash);
	if (!found) return std::nullopt;
	if (cache)
	{
		const Clock::time_point now = Clock::now();
		const Clock::time_point until = Auth::cacheUntil(now, settings.vaultCacheMs, found->first.expiresAt);
		if (until > now) cache->store(key, CachedRead{found->first.agent, found->second}, generation, until);
	}
	principal = found->first.agent.label();
	return deliver(request, found->first.agent, found->second, settings);
}

Response updateSecret(const Request& request, const Principal& principal, const Settings& settings)
{
	const std::uint64_t id = secretId(request);
	const BodyWiper bodyWiper{request};
	const SecretChange change = VaultInput::update(request, settings.vaultMaxValueBytes);
	const std::string& value = change.value;
	const auto& profiles = change.allowedProfiles;

	auto current = VaultStore::read(id, std::nullopt);
	if (!current) throw Http::NotFound("no secret " + std::to_string(id));
	const auto keyring = KeyringCache::current(settings.vaultKeyringFile);
	const Sealer seal = sealerFor(current->meta.scope, current->meta.name, value, *keyring);
	auto meta = VaultStore::update(id, value.empty() ? nullptr : &seal, profiles, settings.vaultMaxVersions, *keyring,
	                               Audit::Change(request, principal, "secret.update"));
	if (!meta) throw Http::NotFound("no secret " + std::to_string(id));
	return Response::json(200, *toJson(*meta));
}

Response deleteSecret(const Request& request, const Principal& principal)
{
	const std::uint64_t id = secretId(request);
	if (!VaultStore::remove(id, Audit::Change(request, principal, "secret.delete")))
		throw Http::NotFound("no secret " + std::to_string(id));
	return Response::noContent();
}

/// The UI's list: an agent sees what it may read (narrowed to ?profile= when
/// given); the admin and a signed-in user see the unrestricted secrets plus
/// those allowing ?profile= (all of them without it). Metadata only, as JSON
/// or, for a browser, as an HTML page.
Response uiSecrets(const Request& request, const Principal& principal)
{
	Viewer viewer;
	if (auto profile = request.query("profile"); profile && !profile->empty()) viewer.profile = *profile;
	const bool html = Http::Html::wanted(request);
	Response response = listSecrets(request, principal, viewer, html);
	if (!html) response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

} // namespace

void registerRoutes(Routing::Router& router, const Settings& settings)
{
	router.add("GET", "/api/vault/secrets", Access::Agent,
	           [](const Request& r, const Principal& p) { return listSecrets(r, p, Viewer()); });
	router.add("POST", "/api/vault/secrets", Access::Admin,
	           [&settings](const Request& r, const Principal& p) { return createSecret(r, p, settings); });
	router.add("GET", "/api/vault/secrets/:id", Access::AgentToken,
	           [&settings](const Request& r, const Principal& p) { return readSecret(r, p, settings); });
	router.setVerifiedFastPath("GET", "/api/vault/secrets/:id",
	                           [&settings](const Request& r, const std::string& hash, std::string& principal) {
		                           return readSecretWithToken(r, hash, settings, principal);
	                           });
	router.add("PUT", "/api/vault/secrets/:id", Access::Admin,
	           [&settings](const Request& r, const Principal& p) { return updateSecret(r, p, settings); });
	router.add("DELETE", "/api/vault/secrets/:id", Access::Admin,
	           [](const Request& r, const Principal& p) { return deleteSecret(r, p); });
	router.add("GET", "/api/secrets", Access::Reader,
	           [](const Request& r, const Principal& p) { return uiSecrets(r, p); });
	router.add("POST", "/api/secrets/:id/reveal", Access::Admin,
	           [&settings](const Request& r, const Principal& p) { return revealSecret(r, p, settings); });
}

} // namespace Vault
} // namespace Nexus
