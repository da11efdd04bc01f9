#include "metrics/Invalidation.h"

#include "metrics/Metrics.h"
#include "metrics/PoolStats.h"

#include <atomic>

namespace Nexus {
namespace Invalidation {

namespace {

/// The counters of a process that is not a pool worker.
std::atomic<std::uint64_t> gLocal[PoolStats::kInvalidationTopics];

std::atomic<std::uint64_t>& counter(Topic topic)
{
	const auto index = static_cast<unsigned>(topic);
	static_assert(static_cast<unsigned>(Topic::Assignments) < PoolStats::kInvalidationTopics, "one counter per topic");
	if (PoolStats* stats = Metrics::stats()) return stats->header().invalidations[index];
	return gLocal[index];
}

} // namespace

std::uint64_t generation(Topic topic)
{
	// Acquire pairs with bump()'s release: a cache that sees the new number
	// also sees the committed change when it asks the database again.
	return counter(topic).load(std::memory_order_acquire);
}

void bump(Topic topic)
{
	counter(topic).fetch_add(1, std::memory_order_acq_rel);
}

} // namespace Invalidation
} // namespace Nexus
