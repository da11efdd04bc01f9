#pragma once

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Admin {

/// Adds GET / (any reader: an agent token, the admin token, a signed-in
/// user): the overview. A browser gets the UI's front page: cards with the
/// agents online, offline and never seen, the worker pool, the database, and
/// links to the sections it may open. An API client gets the same facts as
/// a small JSON object ({service, version, agents, pool, database, links}).
/// The answer is 200 when the database is down (its facts are then null).
/// settings must outlive the router.
void registerOverviewRoute(Routing::Router& router, const Settings& settings);

} // namespace Admin
} // namespace Nexus
