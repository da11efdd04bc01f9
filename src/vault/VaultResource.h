#pragma once

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Vault {

/// Adds /api/vault/secrets and the UI's /api/secrets (the spec's Vault
/// section). settings must outlive the router.
void registerRoutes(Routing::Router& router, const Settings& settings);

} // namespace Vault
} // namespace Nexus
