#pragma once

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Assignments {

/// Adds /api/assignments (the spec's Assignments section, admin only).
void registerRoutes(Routing::Router& router, const Settings& settings);

} // namespace Assignments
} // namespace Nexus
