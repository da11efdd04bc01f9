#pragma once

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Admin {

/// Adds the operator's view of a running pool:
/// - GET /admin/status (admin): version, uptime, the pool, the database,
///   counts of what Nexus holds, the vault's keys (ids only) and the audit
///   chain's head, as JSON (a browser gets the status page, StatusPage.h);
/// - GET /admin/metrics (admin, or no token from a loopback address):
///   Prometheus text exposition of the counters in PoolStats.
/// router supplies the route names the metrics are labelled with; settings
/// and router must outlive the routes.
void registerOperatorRoutes(Routing::Router& router, const Settings& settings);

} // namespace Admin
} // namespace Nexus
