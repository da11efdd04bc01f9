#pragma once

#include "vault/Keyring.h"
#include "vault/VaultStore.h"

#include <optional>
#include <string>

namespace Nexus {
namespace Vault {

/// Authenticates what the envelope records cannot: which version of a
/// secret is current and which profiles may read it. A database writer can
/// point secrets.version back at an older kept version (which still opens:
/// its record is bound to its own version) or empty secret_profiles (which
/// opens the secret to every agent); neither changes a record. So each
/// secret row carries a MAC, HMAC-SHA-256 under a key derived from the
/// keyring's integrity key, over netstrings of "nexus-secret-v1", the id,
/// scope, name, current version, the number of allowed profiles and the
/// profile names in byte order. Every write that changes one of them
/// stamps it again; every read of a value checks it first.
class SecretMac
{
public:
	/// The MAC of meta (64 lower-case hex digits), or nullopt when the
	/// keyring has no integrity key (then secrets are not authenticated).
	static std::optional<std::string> of(const Keyring& keyring, const SecretMeta& meta);

	/// True when meta.mac is meta's MAC under keyring, or when the keyring
	/// has no integrity key. A missing MAC under a keyring that has one
	/// fails: a writer could otherwise null it.
	static bool holds(const Keyring& keyring, const SecretMeta& meta);
};

} // namespace Vault
} // namespace Nexus
