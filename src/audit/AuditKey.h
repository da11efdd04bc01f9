#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace Nexus {
namespace Audit {

/// The keys that authenticate the audit log, derived from the vault
/// keyring's integrity key (Vault::AuditKeys makes them; this layer cannot
/// see the keyring). rowKey makes each row's MAC when the row is written
/// (Chain::rowMac); chainKey keys the hash chain from seq keyedFrom on
/// (Chain::hash). Neither is in the database, so a database writer can
/// neither forge a row nor re-chain one. Key bytes are wiped on destruction.
struct AuditKey
{
	std::string rowKey;
	std::string chainKey;
	std::uint64_t keyedFrom = 1;

	AuditKey() = default;
	~AuditKey();
	AuditKey(const AuditKey&) = delete;
	AuditKey& operator=(const AuditKey&) = delete;
	AuditKey(AuditKey&&) = delete;
	AuditKey& operator=(AuditKey&&) = delete;
};

using AuditKeyPtr = std::shared_ptr<const AuditKey>;

/// Where the audit log finds its key in this process: set once at start-up,
/// before any thread writes or seals (the worker and nexusctl point it at
/// the keyring); unset, the log is unkeyed (unit tests).
class KeySource
{
public:
	/// source returns the current key, nullptr when the keyring has no
	/// integrity key, and throws when the keyring cannot be read.
	static void set(std::function<AuditKeyPtr()> source);
	/// The current key (nullptr: unkeyed). Throws what the source throws:
	/// an audit write or a seal then fails rather than go unkeyed.
	static AuditKeyPtr current();
};

} // namespace Audit
} // namespace Nexus
