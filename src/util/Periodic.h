#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

namespace Nexus {

/// When a chore that rides on requests (purging expired rows, say) is due:
/// at most once per interval, for whichever caller asks first once the
/// interval has passed. Lock-free: a caller that is not due pays one atomic
/// load, so asking on every request costs nothing.
///
/// Per object, so per process where a worker keeps one. Times are whole
/// seconds of the caller's clock (seconds since the epoch). The first call is
/// due; so is a call whose clock went back by an interval or more (a clock
/// stepped back would otherwise put the chore off until it caught up; a
/// caller that read the clock a second before another is not due).
/// Thread-safe.
class Periodic
{
public:
	/// intervalSeconds below 1 counts as 1.
	explicit Periodic(std::int64_t intervalSeconds): _intervalS(intervalSeconds < 1 ? 1 : intervalSeconds) {}

	~Periodic() = default;
	Periodic(const Periodic&) = delete;
	Periodic& operator=(const Periodic&) = delete;
	Periodic(Periodic&&) = delete;
	Periodic& operator=(Periodic&&) = delete;

	/// True for exactly one caller at nowSeconds when the interval has passed
	/// since the last true (or there was none), and that caller does the
	/// chore; false for everyone else.
	bool due(std::int64_t nowSeconds);

	std::int64_t intervalSeconds() const { return _intervalS; }

private:
	static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::min();

	const std::int64_t _intervalS;
	std::atomic<std::int64_t> _lastS{kNever};
};

} // namespace Nexus
