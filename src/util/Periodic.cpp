#include "util/Periodic.h"

namespace Nexus {

bool Periodic::due(std::int64_t nowSeconds)
{
	std::int64_t last = _lastS.load(std::memory_order_relaxed);
	if (last != kNever && nowSeconds - last < _intervalS && last - nowSeconds < _intervalS) return false;
	// Of the callers that found it due, the one whose exchange succeeds does it.
	return _lastS.compare_exchange_strong(last, nowSeconds, std::memory_order_relaxed);
}

} // namespace Nexus
