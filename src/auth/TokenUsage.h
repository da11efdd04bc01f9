#pragma once

#include <Poco/Timestamp.h>

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace Nexus {
namespace Auth {

/// When each agent token was last used, without a write per request.
///
/// record() only remembers a token's hash in memory (a set: a token used a
/// thousand times is one entry); flush() hands what was recorded to the
/// writer as one batch, stamped with the flush's time, and a thread of its
/// own flushes every interval. So last_used_at is accurate to the interval,
/// and the database sees at most one write per interval per process,
/// whatever the load. A failed write keeps the hashes for the next flush;
/// past kMaxPending distinct hashes, new ones are dropped until a flush
/// succeeds (a bound on memory, not on correctness: last use is a hint).
class TokenUsage
{
public:
	/// Writes "these tokens were used at this time" (one statement per batch
	/// of at most kBatch); throws when it did not.
	using Writer = std::function<void(const std::vector<std::string>& hashes, const Poco::Timestamp& at)>;

	static constexpr std::size_t kBatch = 256;
	static constexpr std::size_t kMaxPending = 100000;

	/// intervalMs: how often the thread flushes (auth.token_usage_flush_s).
	TokenUsage(Writer write, int intervalMs);
	/// Stops the thread (with a last flush) if it runs.
	~TokenUsage();
	TokenUsage(const TokenUsage&) = delete;
	TokenUsage& operator=(const TokenUsage&) = delete;

	/// Remembers that the token with this SHA-256 hex was used now. Cheap:
	/// one lock and a set insert; never touches the database.
	void record(const std::string& tokenHash);

	/// Writes what was recorded, on the calling thread's database
	/// connection, in batches of kBatch; returns how many hashes it wrote.
	/// What a failed batch held is kept for the next flush; the error is
	/// rethrown.
	std::size_t flush();

	/// How many distinct hashes wait for the next flush.
	std::size_t pending() const;

	/// Starts the thread: flush() every interval (errors logged, retried).
	void start();
	/// Stops the thread after a last flush and waits for it.
	void stop();

private:
	void run();

	Writer _write;
	const int _intervalMs;
	mutable std::mutex _mutex;
	std::set<std::string> _pending; ///< guarded by _mutex
	std::mutex _flushMutex;         ///< one flush at a time
	std::thread _thread;
	std::mutex _runMutex;
	std::condition_variable _wake;
	bool _stop = false; ///< guarded by _runMutex
};

} // namespace Auth
} // namespace Nexus
