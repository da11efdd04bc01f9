#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace Nexus {
namespace Vault {

/// A keyring problem: unreadable, badly formed or too widely readable
/// file, or a record naming a key the keyring does not hold. Messages name
/// the file or key id, never key material.
class KeyringError : public std::runtime_error
{
public:
	using std::runtime_error::runtime_error;
};

/// The vault's key-encryption keys: 256-bit AES keys by id, one of them
/// active (new records are wrapped with it). Lives in a file outside MySQL
/// (vault.keyring_file), mode 0600. Key bytes are wiped when a keyring is
/// destroyed or moved from (which leaves it empty). Move-only: a copy would
/// be one more place holding the keys; share one keyring through
/// std::shared_ptr<const Keyring> (KeyringCache does).
class Keyring
{
public:
	static constexpr std::size_t kKeyBytes = 32;

	Keyring() = default;
	~Keyring();
	Keyring(Keyring&& other) noexcept;
	Keyring& operator=(Keyring&& other) noexcept;
	Keyring(const Keyring&) = delete;
	Keyring& operator=(const Keyring&) = delete;

	/// A new keyring holding one random key, id 1, active.
	static Keyring generate();

	/// Reads path. Throws KeyringError when the file is missing, group- or
	/// world-accessible, or malformed (the message names the line), holds
	/// no key, a key of the wrong length, a duplicate id, or an active id
	/// that it lacks. The file format is documented in Keyring.cpp.
	static Keyring load(const std::string& path);

	/// The text of the keyring file at path, once load() would accept it
	/// (the same checks). The caller wipes it.
	static std::string read(const std::string& path);

	/// The keyring that content, the text of a keyring file, holds; path
	/// only names the file in messages. Throws KeyringError for anything
	/// load() refuses in a file's content. content is the caller's to wipe.
	static Keyring parse(const std::string& content, const std::string& path);

	/// Writes the keyring to path atomically (a 0600 temporary file in the
	/// same directory, fsynced, renamed over it; then the directory is
	/// fsynced). A replaced file's owner and group are kept. Throws
	/// KeyringError, also for an empty keyring.
	void save(const std::string& path) const;

	/// Like save(), but throws KeyringError when path already exists
	/// (never replaces a file, even one created concurrently).
	void create(const std::string& path) const;

	/// Adds a fresh random key with the next id (highest id + 1) and makes
	/// it active; returns its id.
	std::uint32_t rotate();

	/// Removes key id (once no record is wrapped with it any more). Throws
	/// KeyringError for an unknown id or the active key.
	void remove(std::uint32_t id);

	/// The key ids, ascending.
	std::vector<std::uint32_t> ids() const;

	std::uint32_t activeId() const { return _active; }
	std::size_t size() const { return _keys.size(); }
	bool has(std::uint32_t id) const { return _keys.count(id) != 0; }

	/// The 32 key bytes of id. Throws KeyringError when the keyring lacks it.
	const std::string& key(std::uint32_t id) const;

	/// True when the keyring holds an integrity key: 32 random bytes, apart
	/// from the encryption keys and never rotated, from which the keys that
	/// authenticate the audit log (its rows and its hash chain) are derived.
	/// Keyrings made before it existed have none (`nexusctl vault mac-key`).
	bool hasMac() const { return !_mac.empty(); }
	/// HMAC-SHA-256(integrity key, label): a key for one use, 32 bytes; the
	/// caller wipes it. Throws KeyringError when the keyring has no
	/// integrity key.
	std::string macSubkey(const std::string& label) const;
	/// The first seq of the audit chain that is keyed (0: no integrity key):
	/// rows sealed before the key was added keep their plain SHA-256 chain.
	std::uint64_t auditKeyedFrom() const { return _auditFrom; }
	/// Adds a fresh random integrity key; the audit chain is keyed from seq
	/// auditFrom (at least 1) on. Throws KeyringError when there is one.
	void addMac(std::uint64_t auditFrom);

private:
	void write(const std::string& path, bool replace) const;
	void wipe();

	std::map<std::uint32_t, std::string> _keys;
	std::uint32_t _active = 0;
	std::string _mac;
	std::uint64_t _auditFrom = 0;
};

} // namespace Vault
} // namespace Nexus
