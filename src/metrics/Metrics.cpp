#include "metrics/Metrics.h"

#include "metrics/PoolStats.h"

#include <utility>

namespace Nexus {
namespace Metrics {

namespace {

PoolStats gOwned;
PoolStats* gStats = nullptr;
PoolStats::Slot* gSlot = nullptr;

constexpr auto kRelaxed = std::memory_order_relaxed;

} // namespace

void attach(PoolStats&& stats, std::size_t slot)
{
	gOwned = std::move(stats);
	gStats = gOwned.valid() ? &gOwned : nullptr;
	gSlot = gStats && slot < PoolStats::kSlots ? &gStats->slot(slot) : nullptr;
}

PoolStats* stats()
{
	return gStats;
}

void observe(std::size_t route, int status, std::uint64_t micros)
{
	if (!gSlot) return;
	auto& counters = gSlot->routes[route < PoolStats::kRoutes ? route : PoolStats::kRoutes];
	counters.byStatus[PoolStats::statusIndex(status)].fetch_add(1, kRelaxed);
	counters.buckets[PoolStats::bucketIndex(micros)].fetch_add(1, kRelaxed);
	counters.sumMicros.fetch_add(micros, kRelaxed);
	gSlot->requests.fetch_add(1, kRelaxed);
}

void requestStarted()
{
	if (gSlot) gSlot->inFlight.fetch_add(1, kRelaxed);
}

void requestFinished()
{
	if (gSlot) gSlot->inFlight.fetch_sub(1, kRelaxed);
}

void databaseError()
{
	if (gSlot) gSlot->databaseErrors.fetch_add(1, kRelaxed);
}

void auditFailure()
{
	if (gSlot) gSlot->auditFailures.fetch_add(1, kRelaxed);
}

void requestShed()
{
	if (gSlot) gSlot->requestsShed.fetch_add(1, kRelaxed);
}

void statementEvicted()
{
	if (gSlot) gSlot->statementEvictions.fetch_add(1, kRelaxed);
}

} // namespace Metrics
} // namespace Nexus
