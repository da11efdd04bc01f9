#pragma once

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Admin {

/// Adds GET /admin/audit-log (admin only) to router: the audit log, newest
/// first, filtered by actor, action, target (exact) and since (inclusive) /
/// until (exclusive) RFC 3339 times, with cursor pagination (limit, after).
/// settings must outlive the router. (Named for its resource: src/admin will
/// hold several, status and metrics next.)
void registerAuditLogRoutes(Routing::Router& router, const Settings& settings);

} // namespace Admin
} // namespace Nexus
