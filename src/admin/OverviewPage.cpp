#include "admin/OverviewPage.h"

#include "admin/StatusStore.h"
#include "config/Settings.h"
#include "db/Database.h"
#include "db/Migrator.h"
#include "http/Html.h"
#include "http/Json.h"
#include "http/Request.h"
#include "metrics/Metrics.h"
#include "metrics/PoolStats.h"
#include "routing/Router.h"
#include "ui/Page.h"

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#ifndef NEXUS_VERSION
#define NEXUS_VERSION "unknown"
#endif

namespace Nexus {
namespace Admin {

using Http::Request;
using Http::Response;
using Http::Html::escape;
using Poco::JSON::Object;

namespace {

/// The sections of the UI, as links (the JSON's "links" and the page's).
struct Link
{
	const char* key;
	const char* href;
	const char* label;
	const char* about;
	bool adminOnly;
};

const Link kLinks[] = {
    {"agents", "/api/agents", "Agents", "who is registered, their heartbeats and tokens", false},
    {"profiles", "/api/profiles", "Profiles", "inference profiles: models and fallbacks", false},
    {"registry", "/api/registry/models", "Registry", "what each model can do and costs", false},
    {"assignments", "/api/assignments", "Assignments", "which profile each agent runs", true},
    {"secrets", "/api/secrets", "Vault", "secrets' names, scopes and allowed profiles", false},
    {"knowledge", "/api/knowledge", "Knowledge", "servers, domains, projects and more", false},
    {"memories", "/api/memories/list", "Memories", "what each agent remembers, day by day", true},
    {"audit_log", "/admin/audit-log", "Audit log", "who did what, and whether the chain verifies", true},
    {"status", "/admin/status", "Status", "the pool, the database, the vault's keys", true},
};

/// {total, online, offline, never_seen}: offline agents sent a heartbeat
/// once but none lately, never-seen ones none yet (the three add up).
Object::Ptr agentCounts(const Settings& settings)
{
	const Poco::Timestamp cutoff =
	    Poco::Timestamp() - Poco::Timestamp::TimeDiff(settings.agentsOfflineAfterS) * Poco::Timestamp::resolution();
	const StatusStore::AgentCounts counts = StatusStore::agents(cutoff);
	auto o = Http::Json::object();
	o->set("total", counts.total);
	o->set("online", counts.online);
	o->set("offline", counts.offline());
	o->set("never_seen", counts.neverSeen);
	return o;
}

Object::Ptr poolSummary()
{
	const PoolStats* stats = Metrics::stats();
	if (!stats || !stats->valid()) return nullptr;
	auto o = Http::Json::object();
	o->set("workers_alive", stats->liveWorkers());
	o->set("workers", stats->header().workers.load());
	o->set("requests_served", stats->requestsServed());
	return o;
}

/// The database's facts; agents is set to the agent counts when it answers.
Object::Ptr databaseSummary(const Settings& settings, Object::Ptr& agents)
{
	auto db = Http::Json::object();
	try
	{
		agents = agentCounts(settings);
		db->set("reachable", true);
		db->set("schema_version", Db::Database::run([] { return Db::Migrator::currentVersion(); }));
	}
	catch (const std::exception& e)
	{
		Poco::Logger::get("admin").warning("overview: the database did not answer: %s", std::string(e.what()));
		db->set("reachable", false);
		db->set("schema_version", Poco::Dynamic::Var());
	}
	db->set("expected_schema_version", StatusStore::expectedSchemaVersion());
	return db;
}

Object::Ptr overview(const Settings& settings)
{
	auto o = Http::Json::object();
	o->set("service", "nexus");
	o->set("version", std::string(NEXUS_VERSION));
	Object::Ptr agents;
	const auto database = databaseSummary(settings, agents);
	o->set("agents", agents ? Poco::Dynamic::Var(agents) : Poco::Dynamic::Var());
	const auto pool = poolSummary();
	o->set("pool", pool ? Poco::Dynamic::Var(pool) : Poco::Dynamic::Var());
	o->set("database", database);
	auto links = Http::Json::object();
	for (const auto& link : kLinks) links->set(link.key, std::string(link.href));
	o->set("links", links);
	return o;
}

// --- the page ----------------------------------------------------------------

std::string figure(const Object::Ptr& o, const std::string& key)
{
	if (!o || o->isNull(key)) return "—";
	return escape(o->get(key).convert<std::string>());
}

std::string card(const std::string& id, const std::string& figureHtml, const std::string& labelHtml,
                 const std::string& href = {})
{
	const std::string inner =
	    "<span class=\"figure\">" + figureHtml + "</span><span class=\"label\">" + labelHtml + "</span>";
	if (href.empty()) return "<div class=\"card\" id=\"" + id + "\">" + inner + "</div>\n";
	return "<a class=\"card\" id=\"" + id + "\" href=\"" + href + "\">" + inner + "</a>\n";
}

std::string agentCards(const Object::Ptr& agents, const Settings& settings)
{
	const std::string since = "heartbeat in the last " + std::to_string(settings.agentsOfflineAfterS) + " s";
	std::string html = "<h2>Agents</h2>\n<div class=\"cards\" id=\"agent-cards\">\n";
	// Green when some are online, red when some went quiet; zero is plain.
	auto tinted = [&agents](const std::string& key, const char* tint) {
		const std::string n = figure(agents, key);
		return n == "0" || n == "—" ? n : "<span class=\"" + std::string(tint) + "\">" + n + "</span>";
	};
	html += card("card-online", tinted("online", "ok"), "online <small class=\"muted\">(" + escape(since) + ")</small>",
	             "/api/agents");
	html += card("card-offline", tinted("offline", "bad"), "offline <small class=\"muted\">(went quiet)</small>",
	             "/api/agents");
	html += card("card-never", figure(agents, "never_seen"),
	             "never seen <small class=\"muted\">(no heartbeat yet)</small>", "/api/agents");
	html += "</div>\n";
	return html;
}

std::string serviceCards(const Object::Ptr& o, bool admin)
{
	const auto pool = o->getObject("pool");
	const auto database = o->getObject("database");
	const bool reachable = database && database->get("reachable").convert<bool>();
	const std::string schema = figure(database, "schema_version");
	const std::string expected = figure(database, "expected_schema_version");
	std::string dbLabel = "database, schema version " + schema;
	if (schema != expected && expected != "—")
		dbLabel += " <span class=\"badge warn\">expected " + expected + "</span>";
	const std::string status = admin ? "/admin/status" : "";
	std::string html = "<h2>Service</h2>\n<div class=\"cards\" id=\"service-cards\">\n";
	html += card("card-workers", figure(pool, "workers_alive") + " / " + figure(pool, "workers"),
	             "workers alive / configured", status);
	html += card("card-requests", figure(pool, "requests_served"), "requests served since start", status);
	html += card("card-database",
	             reachable ? "<span class=\"ok\">reachable</span>" : "<span class=\"bad\">unreachable</span>", dbLabel,
	             status);
	html += card("card-version", figure(o, "version"), "Nexus version", status);
	html += "</div>\n";
	return html;
}

std::string sectionLinks(bool admin)
{
	std::string html = "<h2>Sections</h2>\n<div class=\"cards sections\" id=\"sections\">\n";
	for (const auto& link : kLinks)
	{
		if (link.adminOnly && !admin) continue;
		html += "<a class=\"card\" id=\"link-" + std::string(link.key) + "\" href=\"" + link.href + "\"><strong>" +
		        link.label + "</strong><span class=\"label\">" + link.about + "</span></a>\n";
	}
	html += "</div>\n";
	return html;
}

Response overviewPage(const Request& request, const Auth::Principal& principal, const Object::Ptr& o,
                      const Settings& settings)
{
	const bool admin = Ui::isAdmin(principal);
	std::string body = "<p class=\"muted\">The control plane of the studio's agents: who they are, what they run, "
	                   "what they may read, and who did what.</p>\n";
	const auto database = o->getObject("database");
	if (database && !database->get("reachable").convert<bool>())
		body += "<p class=\"notice\" id=\"database-down\">The database does not answer: the figures that need it are "
		        "unknown.</p>\n";
	body += agentCards(o->getObject("agents"), settings);
	body += serviceCards(o, admin);
	body += sectionLinks(admin);
	return Ui::page(request, principal, Ui::Section::Overview, "Overview", body);
}

Response handle(const Request& request, const Auth::Principal& principal, const Settings& settings)
{
	const auto o = overview(settings);
	if (Http::Html::wanted(request)) return overviewPage(request, principal, o, settings);
	Response response = Response::json(200, *o);
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

} // namespace

void registerOverviewRoute(Routing::Router& router, const Settings& settings)
{
	router.add("GET", "/", Auth::Access::Reader,
	           [&settings](const Request& r, const Auth::Principal& p) { return handle(r, p, settings); });
}

} // namespace Admin
} // namespace Nexus
