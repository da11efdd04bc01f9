#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace Nexus {
namespace Db {

/// Replicated leases (table leases): what named locks (GET_LOCK) would be
/// if they were not per server. On a Galera cluster two hosts on two nodes
/// would both get the same named lock; a lease is a row, so taking it is a
/// write that replicates and that certification orders against every other
/// write to the row.
///
/// A lease is held by an owner (ownerName(): host, pid and a random part)
/// until expires_at (the database's clock, NOW(6); hosts do not compare
/// clocks). Its epoch grows by one whenever the owner changes: the fencing
/// token. Work done under a lease re-checks it inside its own transaction
/// (confirm()), which writes the lease row, so a holder whose lease expired
/// and was taken cannot commit: either it sees the new owner, or its commit
/// fails certification (1213) against the taker's.
class LeaseStore
{
public:
	/// The audit sealer's lease (src/audit/Sealer.h) and the Migrator's.
	static constexpr const char* kAuditSeal = "audit_seal";
	static constexpr const char* kMigrate = "migrate";

	/// This process's owner name, "host/pid/random" (made again after fork).
	static std::string ownerName();

	/// Takes name for owner for ttlMs, or renews it when owner holds it
	/// already: the epoch it is held at, nullopt when another owner holds
	/// it. Autocommit, retried by Database::run. A missing row is created.
	static std::optional<std::uint64_t> acquire(const std::string& name, const std::string& owner, int ttlMs);

	/// Inside the caller's transaction: true (and the lease renewed for
	/// ttlMs) when owner still holds name at epoch and it has not expired;
	/// false otherwise, and the caller must roll back.
	static bool confirm(const std::string& name, const std::string& owner, std::uint64_t epoch, int ttlMs);

	/// Ends owner's hold at once (the owner stays recorded, so the next
	/// owner's epoch grows). Never throws.
	static void release(const std::string& name, const std::string& owner) noexcept;

	/// Creates the table when it is missing (the Migrator, before the schema
	/// that holds it exists) and name's row. Autocommit DDL.
	static void ensure(const std::string& name);
};

} // namespace Db
} // namespace Nexus
