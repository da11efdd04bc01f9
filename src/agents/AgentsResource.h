#pragma once

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Agents {

/// Adds the /api/agents routes (the spec's Agents section) to router.
/// settings must outlive the router.
void registerRoutes(Routing::Router& router, const Settings& settings);

} // namespace Agents
} // namespace Nexus
