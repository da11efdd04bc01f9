#pragma once

#include "vault/Keyring.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace Nexus {
namespace Vault {

/// A record that cannot be opened: tampered, truncated, bound to another
/// identity, or of an unknown format. Says nothing about the contents.
class DecryptError : public std::runtime_error
{
public:
	using std::runtime_error::runtime_error;
};

/// Envelope encryption of one secret version (AES-256-GCM, OpenSSL EVP).
///
/// Each sealed value gets its own random 256-bit data key; the data key is
/// wrapped by the keyring's active key. The record format (version 1) is
/// documented in Envelope.cpp. The secret's identity (id, scope, name,
/// version; see identity()) is authenticated data of both the wrapped key
/// and the value, so a record copied to another row or version fails to open.
class Envelope
{
public:
	static constexpr unsigned char kFormat = 1;

	/// The canonical identity bytes of a secret version.
	static std::string identity(std::uint64_t secretId, const std::string& scope, const std::string& name,
	                            std::uint32_t version);

	/// Encrypts plaintext bound to identity under the active key.
	static std::string seal(const Keyring& keyring, const std::string& identity, const std::string& plaintext);

	/// Decrypts a record. Throws DecryptError, or KeyringError when the
	/// keyring lacks the record's key id.
	static std::string open(const Keyring& keyring, const std::string& identity, const std::string& record);

	/// The same record with its data key re-wrapped under the active key;
	/// the value's ciphertext is unchanged. Throws like open().
	static std::string rewrap(const Keyring& keyring, const std::string& identity, const std::string& record);

	/// The id of the key that wraps the record's data key. Throws DecryptError
	/// for a record too short or of an unknown format.
	static std::uint32_t keyId(const std::string& record);
};

} // namespace Vault
} // namespace Nexus
