#pragma once

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Knowledge {

/// Adds /api/knowledge (the spec's Knowledge section): reads for agents,
/// the admin and signed-in users, writes for the admin. settings must
/// outlive the router.
void registerRoutes(Routing::Router& router, const Settings& settings);

} // namespace Knowledge
} // namespace Nexus
