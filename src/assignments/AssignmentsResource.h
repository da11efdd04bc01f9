#pragma once

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Assignments {

/// Adds /api/assignments (the spec's Assignments section, admin only; a
/// browser gets the assignments page). settings must outlive the router.
void registerRoutes(Routing::Router& router, const Settings& settings);

} // namespace Assignments
} // namespace Nexus
