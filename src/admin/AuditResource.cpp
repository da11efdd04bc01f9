#include "admin/AuditResource.h"

#include "admin/AuditPage.h"
#include "admin/StatusStore.h"
#include "audit/AuditStore.h"
#include "audit/Verifier.h"
#include "config/Settings.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "routing/Router.h"
#include "util/Time.h"
#include "vault/AuditKeys.h"

namespace Nexus {
namespace Admin {

using Audit::AuditStore;
using Audit::Entry;
using Auth::Access;
using Http::Request;
using Http::Response;

namespace {

std::optional<std::string> timeParameter(const Request& request, const std::string& name)
{
	const auto value = request.query(name);
	if (!value || value->empty()) return std::nullopt;
	auto sql = Time::parseRfc3339(*value);
	if (!sql)
		throw Http::BadRequest(
		    "query parameter '" + name +
		    "' must be an RFC 3339 time such as 2026-01-02T03:04:05Z or 2026-01-02T05:04:05.5+02:00");
	return sql;
}

std::optional<std::string> textParameter(const Request& request, const std::string& name, bool asciiOnly)
{
	auto value = request.query(name);
	if (!value || value->empty()) return std::nullopt;
	if (asciiOnly)
	{
		for (char c : *value)
			if (c < 0x20 || c > 0x7E) throw Http::BadRequest("query parameter '" + name + "' must be printable ASCII");
	}
	else if (!Http::Json::utf8Length(*value))
		throw Http::BadRequest("query parameter '" + name + "' must be UTF-8");
	return value;
}

Poco::JSON::Object::Ptr toJson(const Entry& e)
{
	auto o = Http::Json::object();
	o->set("id", e.id);
	o->set("at", Time::sqlToRfc3339(e.at));
	o->set("request_id", e.requestId);
	o->set("principal", e.principal);
	o->set("action", e.action);
	o->set("target", e.target);
	o->set("outcome", e.outcome);
	o->set("client", e.client);
	o->set("seq", Http::Json::nullable(e.seq));
	o->set("hash", Http::Json::nullable(e.hash));
	return o;
}

/// The log as JSON or, for a browser, as the UI's page. Only the page
/// looks at ?verify=1 (a walk of the whole log, see AuditPage.h).
Response listAuditLog(const Request& request, const Auth::Principal& principal, const Settings& settings)
{
	const auto page = Http::Page::from(request, {"actor", "action", "target", "since", "until", "verify"});
	AuditStore::Filter filter;
	filter.principal = textParameter(request, "actor", false);
	filter.action = textParameter(request, "action", true);
	filter.target = textParameter(request, "target", false);
	filter.since = timeParameter(request, "since");
	filter.until = timeParameter(request, "until");
	if (filter.since && filter.until && *filter.since > *filter.until)
		throw Http::BadRequest("query parameter 'since' must not be later than 'until'");
	auto rows = AuditStore::list(filter, page.fetch(), page.afterId());
	if (Http::Html::wanted(request))
	{
		const Audit::AuditKeyPtr key = Vault::AuditKeys::current(settings.vaultKeyringFile);
		std::optional<Audit::Verifier> verified;
		if (request.query("verify") == "1")
			verified = Audit::Verifier::verifyDatabase(
			    Audit::Verifier::forSettings(settings.auditSealDelayMs, settings.auditSealIntervalMs, key));
		return auditPage(request, principal, std::move(rows), page, StatusStore::auditHead(), verified, key.get());
	}
	return page.respond(std::move(rows), request, toJson, [](const Entry& e) { return std::to_string(e.id); });
}

} // namespace

void registerAuditLogRoutes(Routing::Router& router, const Settings& settings)
{
	router.add("GET", "/admin/audit-log", Access::Admin,
	           [&settings](const Request& r, const Auth::Principal& p) { return listAuditLog(r, p, settings); });
}

} // namespace Admin
} // namespace Nexus
