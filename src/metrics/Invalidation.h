#pragma once

#include <cstdint>

namespace Nexus {

/// Generation counters for the workers' caches (the token cache, the
/// profile cache, the knowledge list cache, the secret cache). Whoever changes cached data bumps its topic's counter
/// after the change is committed; a cache remembers the generation it read
/// before it asked the database and drops everything it holds as soon as the
/// counter has moved.
///
/// In a worker the counters live in the pool's shared memfd (PoolStats), so a
/// write on one worker empties the caches of every worker of the pool on the
/// next request. Elsewhere (nexusctl, unit tests) they are this process's
/// own; other hosts, and this host's pool after a write by nexusctl, see a
/// change only when their cache entries expire (their TTL).
namespace Invalidation {

enum class Topic : unsigned
{
	Tokens,      ///< agent tokens: issue, rotate, revoke
	Profiles,    ///< inference profiles
	Registry,    ///< the model registry (a profile's warnings come from it)
	Knowledge,   ///< knowledge entities: put, delete, import
	Secrets,     ///< vault secrets: create, update, delete, rewrap
	Assignments, ///< which profile an agent runs (what secrets it may read)
};

/// The current generation of topic.
std::uint64_t generation(Topic topic);
/// Marks topic's cached data stale everywhere on this host's pool.
void bump(Topic topic);

} // namespace Invalidation
} // namespace Nexus
