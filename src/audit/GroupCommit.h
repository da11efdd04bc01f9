#pragma once

#include "audit/Chain.h"

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
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
	~GroupCommit() = default;

	/// Writes entry (with whatever else is waiting). Throws like AuditStore::append.
	void append(const Entry& entry);

	/// The process's instance.
	static GroupCommit& instance();

	/// Writes all the rows it is given in one transaction, or none
	/// (AuditStore::appendAll); throws when it wrote none.
	using BatchWriter = std::function<void(const std::vector<const Entry*>&)>;
	/// Writes one row (AuditStore::append); throws when it did not.
	using RowWriter = std::function<void(const Entry&)>;

	/// How append() writes a batch, with the writers given (append() passes
	/// AuditStore's): rows with writeAll; if that throws, each row on its own
	/// with writeOne, in order. A batch of one row is not written twice: it
	/// gets what writeAll threw. Returns each row's outcome, in rows' order:
	/// nullptr when it was written, else what its own write threw. Never
	/// throws what a writer throws.
	static std::vector<std::exception_ptr> flush(const std::vector<const Entry*>& rows, const BatchWriter& writeAll,
	                                             const RowWriter& writeOne);

private:
	struct Pending
	{
		const Entry* entry;
		bool done = false;
		std::exception_ptr error;
	};

	/// Writes batch (flush() with AuditStore's writers); records each row's outcome in it.
	static void write(std::vector<Pending*>& batch);

	std::mutex _mutex;
	std::condition_variable _written;
	std::vector<Pending*> _queue;
	bool _writing = false;
};

} // namespace Audit
} // namespace Nexus
