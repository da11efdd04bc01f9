#pragma once

namespace Nexus {
struct Settings;
namespace Http {
class Router;
}

namespace Vault {

/// Adds /api/vault/secrets and the UI's /api/secrets (the spec's Vault
/// section). settings must outlive the router.
void registerRoutes(Http::Router& router, const Settings& settings);

} // namespace Vault
} // namespace Nexus
