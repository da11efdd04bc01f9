#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace Nexus {
struct Settings;

namespace Audit {

/// Chains audit rows (see Chain.h) after AuditLog::record has written them.
///
/// A pass takes the seal lease (AuditStore::SealLock), finds the
/// smallest unsealed id, then, batch by batch, in one READ COMMITTED
/// transaction each: confirms the lease (the fencing token; the rows are
/// stamped with its epoch), locks the chain's head, reads up to kBatch unsealed rows
/// older than the seal delay in id order from there on, gives them the next
/// seq numbers, prev_hash and hash, and commits. Seal order is chain order: a
/// row that commits late (a smaller id than rows already sealed) is sealed by
/// a later batch or pass with a higher seq. (A row dated in the future, from a
/// worker whose clock runs ahead, waits until its time; meanwhile the first
/// batch of each pass scans the rows after it.)
///
/// Keyed (AuditKey.h), a pass also refuses to chain a row whose row MAC is
/// missing or does not match its content: the row was changed in the
/// database, or taken out of the chain (seq and hashes nulled) and edited.
/// It stays unsealed, and `nexusctl audit verify` reports it. And each
/// Sealer remembers the head it last saw: should the database's head ever
/// be behind it (rows cut from the chain's end, maybe to be re-chained),
/// or behind the seq the keyring keys the chain from, the pass throws
/// ChainRegressed, and nothing is sealed while it stays behind (after a
/// backup is restored, restart the pool: a new sealer remembers nothing).
///
/// Every worker runs one Sealer thread; the lease makes all but one of them
/// skip their pass, on every host of a cluster (a lease is a replicated
/// row, unlike a named lock). Should two sealers still meet (one whose
/// lease expired while it was stalled), the lease check in each batch's
/// transaction, the unique seq and the "still unsealed" check make the
/// later batch fail and roll back, so the chain never forks.
class Sealer
{
public:
	/// Rows per transaction.
	static constexpr std::size_t kBatch = 500;

	/// The chain's head went back (see the class comment): the message says
	/// from where to where.
	struct ChainRegressed : std::runtime_error
	{
		using std::runtime_error::runtime_error;
	};

	/// What a sealer remembers from one pass to the next.
	struct Memory
	{
		std::optional<std::pair<std::uint64_t, std::string>> head; ///< seq and hash last seen
		std::set<std::uint64_t> refused;                           ///< rows refused (reported once)
	};

	/// What one pass did.
	struct Pass
	{
		bool locked = false;       ///< false: another sealer held the lock
		std::size_t sealed = 0;    ///< rows sealed
		std::uint64_t headSeq = 0; ///< the chain's last seq after the pass (0: empty)
		std::string headHash;      ///< its hash (when the pass sealed rows)
		/// Rows this pass refused to chain for the first time: id and why.
		std::vector<std::pair<std::uint64_t, std::string>> refused;
	};

	/// settings must outlive the sealer.
	explicit Sealer(const Settings& settings);
	/// Stops and joins the thread.
	~Sealer();
	Sealer(const Sealer&) = delete;
	Sealer& operator=(const Sealer&) = delete;

	/// Starts the thread: a pass every settings.auditSealIntervalMs, on its own
	/// database connection. Failures are logged and retried next time.
	void start();
	/// Asks the thread to stop after the current batch; returns at once.
	void requestStop();
	/// True once the thread has ended (or was never started).
	bool finished() const { return _finished; }
	/// requestStop() and wait for the thread.
	void join();

	/// One pass on the calling thread's connection: seals every unsealed row
	/// older than delayMs, waiting up to lockWaitSeconds for the seal lock,
	/// with the key of KeySource (read once the lock is held). stop (may be
	/// null) is checked between batches; memory (may be null) is what the
	/// caller's earlier passes saw. Throws ChainRegressed, what KeySource
	/// throws, Http::Unavailable or sql::SQLException.
	static Pass sealNow(int delayMs, int lockWaitSeconds, const std::atomic<bool>* stop = nullptr,
	                    Memory* memory = nullptr);

private:
	void run();

	const Settings& _settings;
	std::thread _thread;
	std::mutex _mutex;
	std::condition_variable _wake;
	std::atomic<bool> _stop{false};
	std::atomic<bool> _finished{true};
	Memory _memory; ///< only the thread uses it
};

} // namespace Audit
} // namespace Nexus
