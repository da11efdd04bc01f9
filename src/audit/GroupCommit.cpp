#include "audit/GroupCommit.h"

#include "audit/AuditStore.h"

namespace Nexus {
namespace Audit {

GroupCommit::GroupCommit(): Db::GroupCommit<const Entry>(AuditStore::appendAll, AuditStore::append) {}

GroupCommit& GroupCommit::instance()
{
	static GroupCommit groupCommit;
	return groupCommit;
}

} // namespace Audit
} // namespace Nexus
