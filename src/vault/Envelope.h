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

/// Envelope encryption of one secret version (AES-256-GCM, Poco::Crypto).
///
/// Each sealed value gets its own random 256-bit data key; the data key is
/// wrapped by the keyring's active key. The record formats are documented
/// byte by byte in Envelope.cpp: seal() writes format 2, open() and rewrap()
/// also read format 1 (the vault's records before format 2). The secret's
/// identity (id, scope, name, version; see identity()) is authenticated with
/// both the wrapped key and the value (format 2: as a digest inside the
/// encrypted plaintext; format 1: as GCM's additional data), so a record
/// copied to another row or version fails to open.
class Envelope
{
public:
	/// The format that seal() and rewrap() write.
	static constexpr unsigned char kFormat = 2;

	/// The canonical identity bytes of a secret version.
	static std::string identity(std::uint64_t secretId, const std::string& scope, const std::string& name,
	                            std::uint32_t version);

	/// Encrypts plaintext bound to identity under the active key.
	static std::string seal(const Keyring& keyring, const std::string& identity, const std::string& plaintext);

	/// Decrypts a record. Throws DecryptError, or KeyringError when the
	/// keyring lacks the record's key id.
	static std::string open(const Keyring& keyring, const std::string& identity, const std::string& record);

	/// The same secret in a format-2 record under the active key. A format-2
	/// record keeps its value's nonce, ciphertext and tag (only the data key
	/// is re-wrapped); a format-1 record is sealed afresh (new data key and
	/// nonces). Checks the whole record first; throws like open().
	static std::string rewrap(const Keyring& keyring, const std::string& identity, const std::string& record);

	/// The id of the key that wraps the record's data key. Throws DecryptError
	/// for a record too short or of an unknown format.
	static std::uint32_t keyId(const std::string& record);

	/// The record's format byte (1 or 2). Throws like keyId().
	static unsigned char format(const std::string& record);
};

} // namespace Vault
} // namespace Nexus
