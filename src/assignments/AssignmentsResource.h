#pragma once

namespace Nexus {
struct Settings;
namespace Http {
class Router;
}

namespace Assignments {

/// Adds /api/assignments (the spec's Assignments section, admin only).
void registerRoutes(Http::Router& router, const Settings& settings);

} // namespace Assignments
} // namespace Nexus
