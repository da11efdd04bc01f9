#pragma once

#include "audit/Chain.h"

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <vector>

namespace Nexus {
namespace Audit {

/// Group commit of audit rows within one process: threads that append at
/// the same time share one multi-row INSERT and one commit, instead of
/// queueing for a commit (and a log flush) each.
///
/// append() returns only after its own row is durably committed, or throws
/// what the write threw, so callers keep fail-closed semantics. The first
/// waiting thread writes a batch (up to kMaxBatch rows, on its own database
/// connection) for everybody queued; rows that arrive meanwhile form the
/// next batch. If a batch fails, its rows are retried one by one, so one bad
/// row cannot fail the others.
class GroupCommit
{
public:
	static constexpr std::size_t kMaxBatch = 64;

	GroupCommit() = default;
	GroupCommit(const GroupCommit&) = delete;
	GroupCommit& operator=(const GroupCommit&) = delete;

	/// Writes entry (with whatever else is waiting). Throws like AuditStore::append.
	void append(const Entry& entry);

	/// The process's instance.
	static GroupCommit& instance();

private:
	struct Pending
	{
		const Entry* entry;
		bool done = false;
		std::exception_ptr error;
	};

	/// Writes batch; records each row's outcome in it.
	static void write(std::vector<Pending*>& batch);

	std::mutex _mutex;
	std::condition_variable _written;
	std::vector<Pending*> _queue;
	bool _writing = false;
};

} // namespace Audit
} // namespace Nexus
