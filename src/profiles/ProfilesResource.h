#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Profiles {

/// Adds /api/profiles (the spec's Profiles section). settings must outlive the router.
void registerRoutes(Routing::Router& router, const Settings& settings);

/// What the agent with row id agentId should run now, for GET
/// /api/agents/:slug/profile: {agent: the given object (the agents resource
/// shapes it: slug, name, scope), source: "assignment" | "default" | null,
///  profile: the profile (with warnings) or null, models: [{role, model,
///  on?, registry: the registry entry or null}]}. No secret, no token.
Poco::JSON::Object::Ptr effectiveConfiguration(std::uint64_t agentId, const Poco::JSON::Object::Ptr& agent,
                                               const Settings& settings);

} // namespace Profiles
} // namespace Nexus
