#pragma once

#include "audit/AuditKey.h"

#include <string>

namespace Nexus {
namespace Vault {

class Keyring;

/// The audit log's keys (Audit::AuditKey) from the vault keyring's
/// integrity key: row key HMAC(mac, "nexus-audit-row-v1"), chain key
/// HMAC(mac, "nexus-audit-chain-v1"), keyed from mac.audit_from.
class AuditKeys
{
public:
	/// The keys of keyring; nullptr when it has no integrity key.
	static Audit::AuditKeyPtr of(const Keyring& keyring);

	/// The keys of path's keyring as KeyringCache sees it now (derived once
	/// per keyring it loads); nullptr without an integrity key. Throws
	/// KeyringError when the keyring cannot be read.
	static Audit::AuditKeyPtr current(const std::string& path);

	/// Points Audit::KeySource at path's keyring: call once at start-up.
	static void install(const std::string& path);
};

} // namespace Vault
} // namespace Nexus
