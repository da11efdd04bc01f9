#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>

namespace Nexus {
struct Settings;
namespace Http {
class Router;
}
namespace Agents {
struct Agent;
}

namespace Profiles {

/// Adds /api/profiles (the spec's Profiles section). settings must outlive the router.
void registerRoutes(Http::Router& router, const Settings& settings);

/// What the agent should run now, for GET /api/agents/:slug/profile:
/// {agent: {slug, name, scope}, source: "assignment" | "default" | null,
///  profile: the profile (with warnings) or null, models: [{role, model,
///  on?, registry: the registry entry or null}]}. No secret, no token.
Poco::JSON::Object::Ptr effectiveConfiguration(const Agents::Agent& agent, const Settings& settings);

} // namespace Profiles
} // namespace Nexus
