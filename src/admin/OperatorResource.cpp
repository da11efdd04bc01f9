#include "admin/OperatorResource.h"

#include "admin/StatusPage.h"
#include "admin/StatusStore.h"
#include "config/Settings.h"
#include "db/Database.h"
#include "db/Migrator.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "metrics/Metrics.h"
#include "metrics/PoolStats.h"
#include "routing/Router.h"
#include "util/Time.h"
#include "vault/KeyringCache.h"

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <chrono>
#include <memory>
#include <sstream>

#ifndef NEXUS_VERSION
#define NEXUS_VERSION "unknown"
#endif

namespace Nexus {
namespace Admin {

using Auth::Access;
using Auth::Principal;
using Http::Request;
using Http::Response;

namespace {

const PoolStats& sharedStats()
{
	const PoolStats* stats = Metrics::stats();
	if (!stats) throw Http::Unavailable("this process keeps no pool statistics");
	return *stats;
}

/// Sums one counter over every slot (live or freed: counts never go down).
template <typename Get> std::uint64_t total(const PoolStats& stats, Get get)
{
	std::uint64_t sum = 0;
	for (std::size_t i = 0; i < PoolStats::kSlots; ++i) sum += get(stats.slot(i));
	return sum;
}

Poco::Dynamic::Var timeOf(std::int64_t epochMs)
{
	if (epochMs <= 0) return Poco::Dynamic::Var();
	return Time::toRfc3339(Poco::Timestamp(epochMs * 1000));
}

// --- /admin/status -----------------------------------------------------------

Poco::JSON::Object::Ptr poolStatus(const PoolStats& stats, std::int64_t nowMs)
{
	auto& h = stats.header();
	auto pool = Http::Json::object();
	pool->set("master_pid", h.masterPid.load());
	pool->set("generation", h.generation.load());
	pool->set("workers", h.workers.load());
	pool->set("threads", h.threads.load());
	Poco::JSON::Array::Ptr live = new Poco::JSON::Array;
	for (std::size_t i = 0; i < PoolStats::kSlots; ++i)
	{
		const auto& slot = stats.slot(i);
		const auto pid = slot.pid.load();
		if (pid <= 0) continue;
		auto w = Http::Json::object();
		w->set("pid", pid);
		w->set("started_at", timeOf(slot.startedMs.load()));
		w->set("uptime_s", slot.startedMs.load() > 0 ? (nowMs - slot.startedMs.load()) / 1000 : 0);
		w->set("requests", slot.requests.load());
		w->set("in_flight", slot.inFlight.load());
		live->add(w);
	}
	pool->set("live_workers", live);
	pool->set("requests_served", stats.requestsServed());
	pool->set("respawns", h.respawns.load());
	pool->set("recycles", h.recycles.load());
	return pool;
}

Poco::JSON::Object::Ptr databaseStatus(const Settings& settings, Poco::JSON::Object::Ptr& counts)
{
	auto db = Http::Json::object();
	try
	{
		const auto start = std::chrono::steady_clock::now();
		const std::string version = StatusStore::serverVersion();
		const auto rtt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
		db->set("reachable", true);
		db->set("server_version", version);
		db->set("round_trip_ms", rtt);
		db->set("schema_version", Db::Database::run([] { return Db::Migrator::currentVersion(); }));

		counts = Http::Json::object();
		const Poco::Timestamp cutoff =
		    Poco::Timestamp() - Poco::Timestamp::TimeDiff(settings.agentsOfflineAfterS) * Poco::Timestamp::resolution();
		const StatusStore::AgentCounts agents = StatusStore::agents(cutoff);
		counts->set("agents_online", agents.online);
		counts->set("agents_offline", agents.offline());
		counts->set("agents_never_seen", agents.neverSeen);
		for (const auto& [name, n] : StatusStore::tableCounts()) counts->set(name, n);
	}
	catch (const std::exception& e)
	{
		Poco::Logger::get("admin").warning("status: the database did not answer: %s", std::string(e.what()));
		db->set("reachable", false);
		counts = nullptr;
	}
	db->set("expected_schema_version", StatusStore::expectedSchemaVersion());
	return db;
}

Poco::JSON::Object::Ptr vaultStatus(const Settings& settings)
{
	auto vault = Http::Json::object();
	const Vault::KeyringCache::State state = Vault::KeyringCache::state(settings.vaultKeyringFile);
	// keyring.state: "ok" (the file's keys), "stale" (the file does not load
	// any more: the keys loaded before stay in use) or "unavailable" (no
	// keys at all). The error names the file and why, never key material.
	auto keyring = Http::Json::object();
	keyring->set("file", settings.vaultKeyringFile);
	keyring->set("state", state.error.empty() ? "ok" : state.keyring ? "stale" : "unavailable");
	keyring->set("error", Http::Json::nullable(state.error.empty() ? std::optional<std::string>()
	                                                               : std::optional<std::string>(state.error)));
	if (state.keyring)
	{
		vault->set("active_key_id", state.keyring->activeId());
		vault->set("keys", state.keyring->size());
	}
	else
	{
		vault->set("error", "the keyring cannot be read");
		Poco::Logger::get("admin").warning("status: %s", state.error);
	}
	vault->set("keyring", keyring);
	return vault;
}

Poco::JSON::Object::Ptr auditStatus()
{
	auto audit = Http::Json::object();
	try
	{
		const StatusStore::AuditHead head = StatusStore::auditHead();
		audit->set("head_seq", Http::Json::nullable(head.seq));
		audit->set("head_hash", Http::Json::nullable(head.hash));
		audit->set("unsealed", head.unsealed);
	}
	catch (const std::exception&)
	{
		audit->set("head_seq", Poco::Dynamic::Var());
	}
	return audit;
}

Poco::JSON::Object::Ptr statusObject(const Settings& settings)
{
	const PoolStats& stats = sharedStats();
	const std::int64_t nowMs = Poco::Timestamp().epochMicroseconds() / 1000;
	const std::int64_t startedMs = stats.header().startedMs.load();
	auto o = Http::Json::object();
	o->set("version", std::string(NEXUS_VERSION));
	o->set("started_at", timeOf(startedMs));
	o->set("uptime_s", (nowMs - startedMs) / 1000);
	o->set("pool", poolStatus(stats, nowMs));
	Poco::JSON::Object::Ptr counts;
	o->set("database", databaseStatus(settings, counts));
	o->set("counts", counts ? Poco::Dynamic::Var(counts) : Poco::Dynamic::Var());
	o->set("vault", vaultStatus(settings));
	o->set("audit", auditStatus());
	return o;
}

/// The status as JSON, or for a browser as the status page.
Response status(const Request& request, const Principal& principal, const Settings& settings)
{
	const auto o = statusObject(settings);
	if (Http::Html::wanted(request)) return statusPage(request, principal, o);
	Response response = Response::json(200, *o);
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

// --- /admin/metrics ----------------------------------------------------------

void family(std::ostringstream& out, const char* name, const char* type, const char* help)
{
	out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

std::string routeLabels(const Routing::Router& router, std::size_t route)
{
	if (route >= router.routes().size()) return "method=\"\",route=\"(none)\"";
	const auto& r = router.routes()[route];
	return "method=\"" + r.method + "\",route=\"" + r.pattern + "\"";
}

std::string statusLabel(std::size_t index)
{
	const int status = PoolStats::kStatuses[index];
	return status == 0 ? "other" : std::to_string(status);
}

Response metrics(const Routing::Router& router)
{
	const PoolStats& stats = sharedStats();
	const std::size_t routes = std::min(router.routes().size(), PoolStats::kRoutes);
	std::vector<std::size_t> indexes;
	for (std::size_t i = 0; i < routes; ++i) indexes.push_back(i);
	indexes.push_back(PoolStats::kRoutes); // unmatched

	std::ostringstream out;
	family(out, "nexus_http_requests_total", "counter", "Requests answered, by route and status.");
	for (std::size_t r : indexes)
		for (std::size_t s = 0; s < PoolStats::kStatuses.size(); ++s)
		{
			const auto n = total(stats, [&](const PoolStats::Slot& slot) { return slot.routes[r].byStatus[s].load(); });
			if (n)
				out << "nexus_http_requests_total{" << routeLabels(router, r) << ",status=\"" << statusLabel(s)
				    << "\"} " << n << '\n';
		}

	family(out, "nexus_http_request_duration_seconds", "histogram",
	       "Time from the request reaching the pool to its response being ready, by route.");
	for (std::size_t r : indexes)
	{
		std::uint64_t cumulative = 0;
		std::ostringstream lines;
		for (std::size_t b = 0; b <= PoolStats::kBounds.size(); ++b)
		{
			cumulative += total(stats, [&](const PoolStats::Slot& slot) { return slot.routes[r].buckets[b].load(); });
			lines << "nexus_http_request_duration_seconds_bucket{" << routeLabels(router, r) << ",le=\"";
			if (b < PoolStats::kBounds.size())
				lines << PoolStats::kBounds[b];
			else
				lines << "+Inf";
			lines << "\"} " << cumulative << '\n';
		}
		if (!cumulative) continue;
		const auto micros = total(stats, [&](const PoolStats::Slot& slot) { return slot.routes[r].sumMicros.load(); });
		out << lines.str() << "nexus_http_request_duration_seconds_sum{" << routeLabels(router, r) << "} "
		    << static_cast<double>(micros) / 1e6 << '\n'
		    << "nexus_http_request_duration_seconds_count{" << routeLabels(router, r) << "} " << cumulative << '\n';
	}

	auto& h = stats.header();
	const std::uint64_t live = stats.liveWorkers();
	const auto inFlight = total(stats, [](const PoolStats::Slot& s) {
		const auto n = s.inFlight.load();
		return static_cast<std::uint64_t>(n > 0 ? n : 0);
	});
	family(out, "nexus_http_requests_in_flight", "gauge", "Requests being handled now.");
	out << "nexus_http_requests_in_flight " << inFlight << '\n';
	family(out, "nexus_workers", "gauge", "Worker processes alive now.");
	out << "nexus_workers " << live << '\n';
	family(out, "nexus_worker_respawns_total", "counter", "Workers that died and were started again.");
	out << "nexus_worker_respawns_total " << h.respawns.load() << '\n';
	family(out, "nexus_worker_recycles_total", "counter", "Workers replaced after max_requests or a missed deadline.");
	out << "nexus_worker_recycles_total " << h.recycles.load() << '\n';
	family(out, "nexus_database_errors_total", "counter", "Failed database calls (including retried ones).");
	out << "nexus_database_errors_total "
	    << total(stats, [](const PoolStats::Slot& s) { return s.databaseErrors.load(); }) << '\n';
	family(out, "nexus_audit_write_failures_total", "counter",
	       "Audit rows that could not be written (requests refused).");
	out << "nexus_audit_write_failures_total "
	    << total(stats, [](const PoolStats::Slot& s) { return s.auditFailures.load(); }) << '\n';
	family(out, "nexus_db_statement_evictions_total", "counter",
	       "Prepared statements closed to keep each connection's cache within db.statement_cache_size.");
	out << "nexus_db_statement_evictions_total "
	    << total(stats, [](const PoolStats::Slot& s) { return s.statementEvictions.load(); }) << '\n';
	family(out, "nexus_http_requests_shed_total", "counter",
	       "Requests answered 503 overloaded because they waited longer than server.queue_timeout_ms.");
	out << "nexus_http_requests_shed_total "
	    << total(stats, [](const PoolStats::Slot& s) { return s.requestsShed.load(); }) << '\n';
	family(out, "nexus_start_time_seconds", "gauge", "When the master started (Unix time).");
	out << "nexus_start_time_seconds " << h.startedMs.load() / 1000 << '\n';
	return Response(200, "text/plain; version=0.0.4; charset=utf-8", out.str());
}

} // namespace

void registerOperatorRoutes(Routing::Router& router, const Settings& settings)
{
	router.add("GET", "/admin/status", Access::Admin,
	           [&settings](const Request& r, const Principal& p) { return status(r, p, settings); });
	router.add("GET", "/admin/metrics", settings.metricsLocalWithoutToken ? Access::AdminOrLocal : Access::Admin,
	           [&router](const Request&, const Principal&) { return metrics(router); });
}

} // namespace Admin
} // namespace Nexus
