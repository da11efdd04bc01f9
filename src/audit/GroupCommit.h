#pragma once

#include "audit/Chain.h"
#include "db/GroupCommit.h"

namespace Nexus {
namespace Audit {

/// Group commit of audit rows within one process (Db::GroupCommit): threads
/// that append at the same time share one multi-row INSERT and one commit
/// (AuditStore::appendAll), instead of queueing for a commit (and a log
/// flush) each. A failed batch is retried row by row (AuditStore::append),
/// so one bad row cannot fail the others.
class GroupCommit : public Db::GroupCommit<const Entry>
{
public:
	/// Writes one row (AuditStore::append); throws when it did not.
	using RowWriter = ItemWriter;

	/// A group commit with AuditStore's writers.
	GroupCommit();

	/// Writes entry (with whatever else is waiting) and returns once it is
	/// committed, so callers keep fail-closed semantics. Throws like
	/// AuditStore::append.
	void append(const Entry& entry) { commit(entry); }

	/// The process's instance.
	static GroupCommit& instance();
};

} // namespace Audit
} // namespace Nexus
