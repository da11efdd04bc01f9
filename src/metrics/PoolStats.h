#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace Nexus {

/// Counters that the master and its workers share: one memfd mapping the
/// master creates before the first fork and hands to every worker (fd
/// kWorkerFd across exec). The master keeps pool-wide facts in the header
/// (start time, respawns, recycles); each live worker owns one slot, counts
/// its requests there with relaxed atomics (no lock, no syscall), and any
/// worker can read every slot to answer /admin/metrics and /admin/status.
///
/// Slots outlive their workers: a slot freed by a dead worker keeps its
/// counts and the next worker adds to them, so totals never go down while
/// the master runs (Prometheus counters reset only when the master restarts).
class PoolStats
{
public:
	static constexpr std::size_t kSlots = 512;  ///< most workers alive at once (a reload doubles them briefly)
	static constexpr std::size_t kRoutes = 128; ///< route index kRoutes counts requests no route matched
	static constexpr int kWorkerFd = 3;         ///< where a worker finds the mapping
	static constexpr const char* kSlotEnv = "NEXUS_STATS_SLOT"; ///< and the number of its slot
	static constexpr std::size_t kInvalidationTopics = 8;       ///< see Invalidation::Topic

	/// The statuses counted one by one; any other is counted as "other".
	static constexpr std::array<int, 22> kStatuses = {200, 201, 204, 301, 302, 304, 400, 401, 403, 404, 405,
	                                                  409, 413, 415, 422, 429, 500, 501, 502, 503, 504, 0};
	/// Upper bounds (seconds) of the latency histogram buckets; the last bucket is +Inf.
	static constexpr std::array<double, 12> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	                                                   0.1,   0.25,   0.5,   1,    2.5,   5};

	struct RouteCounters
	{
		std::atomic<std::uint64_t> byStatus[kStatuses.size()];
		std::atomic<std::uint64_t> buckets[kBounds.size() + 1]; ///< not cumulative; the last is +Inf
		std::atomic<std::uint64_t> sumMicros;
	};

	struct Slot
	{
		std::atomic<std::int64_t> pid;       ///< 0 when no worker owns the slot
		std::atomic<std::int64_t> startedMs; ///< when its worker started (epoch ms)
		std::atomic<std::int64_t> inFlight;
		std::atomic<std::uint64_t> requests; ///< served by its current worker
		std::atomic<std::uint64_t> databaseErrors;
		std::atomic<std::uint64_t> auditFailures;
		std::atomic<std::uint64_t> statementEvictions; ///< prepared statements the cache closed
		std::atomic<std::uint64_t> requestsShed;       ///< answered 503 overloaded (server.queue_timeout_ms)
		RouteCounters routes[kRoutes + 1];
	};

	struct Header
	{
		std::atomic<std::uint64_t> magic;
		std::atomic<std::int64_t> masterPid;
		std::atomic<std::int64_t> startedMs;
		std::atomic<std::uint64_t> respawns;
		std::atomic<std::uint64_t> recycles;
		std::atomic<std::uint64_t> generation;
		std::atomic<std::uint64_t> workers; ///< configured
		std::atomic<std::uint64_t> threads; ///< configured, per worker
		/// One counter per kind of cached data (see Invalidation.h): a worker
		/// that changes such data bumps its counter after the commit, and
		/// every worker's cache of that kind empties itself when it sees the
		/// counter move.
		std::atomic<std::uint64_t> invalidations[kInvalidationTopics];
	};

	/// The master's mapping: a new zeroed memfd. Throws std::runtime_error.
	static PoolStats create();
	/// A worker's mapping of the master's memfd at fd (checked: size and magic).
	/// Throws std::runtime_error.
	static PoolStats attach(int fd);

	/// No mapping (valid() is false): what a process has before create().
	PoolStats() = default;
	PoolStats(PoolStats&& other) noexcept;
	PoolStats& operator=(PoolStats&& other) noexcept;
	PoolStats(const PoolStats&) = delete;
	PoolStats& operator=(const PoolStats&) = delete;
	~PoolStats();

	bool valid() const { return _base != nullptr; }
	int fd() const { return _fd; }
	Header& header() const;
	Slot& slot(std::size_t index) const;

	/// Master: a free slot for the worker pid (kSlots when none is free or
	/// there is no mapping).
	std::size_t acquire(std::int64_t pid);
	/// Master: frees the slot of a worker that is gone (its counts stay).
	void release(std::size_t index);

	/// How many slots a live worker owns now.
	std::size_t liveWorkers() const;
	/// Requests answered since the master started, over every slot (live or
	/// freed) and route.
	std::uint64_t requestsServed() const;

	/// The index of status in kStatuses (the "other" entry for any status not listed).
	static std::size_t statusIndex(int status);
	/// The histogram bucket of a duration.
	static std::size_t bucketIndex(std::uint64_t micros);

private:
	PoolStats(int fd, void* base);

	struct Layout;
	int _fd = -1;
	void* _base = nullptr;
};

} // namespace Nexus
