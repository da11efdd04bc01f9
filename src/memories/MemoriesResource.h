#pragma once

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Memories {

/// Adds /api/memories: collect, list (JSON, or HTML for a browser),
/// download and search. settings must outlive the router.
void registerRoutes(Routing::Router& router, const Settings& settings);

} // namespace Memories
} // namespace Nexus
