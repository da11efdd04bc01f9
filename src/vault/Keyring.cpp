// Keyring: the vault's key-encryption keys and their file.
//
// The keyring file (vault.keyring_file) is text, mode 0600:
//
//   # comment lines start with '#'; blank lines are ignored
//   active = 2
//   key.1 = <standard base64, with padding, of 32 random bytes>
//   key.2 = <...>
//   mac = <standard base64 of 32 random bytes>
//   mac.audit_from = 1
//
// - exactly one `active = ID` line, naming a key of the file;
// - one `key.ID = BASE64` line per key, at least one key; every key is
//   exactly 32 bytes (an AES-256 key-encryption key);
// - ids are positive decimal integers below 2^32, without sign or leading
//   zeros, each used once; spaces around '=' and at either end are allowed;
// - optionally one `mac = BASE64` line, the integrity key (32 bytes; it
//   authenticates the audit log, see Keyring.h), and then exactly one
//   `mac.audit_from = SEQ` line: the first keyed seq of the audit chain (a
//   positive decimal integer of at most 18 digits). Neither without the other.
//
// load() refuses a missing file, a file that grants any permission to group
// or others, and any deviation from the above; its messages name the file and
// the line, never key material. save() writes every file with a comment block
// that repeats this format.

#include "vault/Keyring.h"

#include "util/Base64.h"
#include "util/File.h"
#include "util/Hex.h"
#include "util/Random.h"
#include "util/Wiper.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace Nexus {
namespace Vault {

namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;

/// How file errors name the file: "keyring file PATH ...".
const char* const kFileDescription = "keyring file";

const char* const kExpected = "expected `active = ID`, `key.ID = BASE64`, `mac = BASE64` or `mac.audit_from = SEQ`";

const char* const kFileHeader = "# Nexus vault keyring: the keys that protect every secret in the vault.\n"
                                "# Keep it mode 0600, readable only by the nexus user. Back it up apart\n"
                                "# from the database: without it no secret can be decrypted, and with the\n"
                                "# database it decrypts all of them. Change it only with `nexusctl vault`.\n"
                                "#\n"
                                "# Format: one `active = ID` line (the key that wraps new records) and one\n"
                                "# `key.ID = BASE64` line per key: ID a positive integer, BASE64 the\n"
                                "# standard base64 of 32 random bytes (an AES-256 key); '#' starts a comment.\n"
                                "# `mac = BASE64` is the integrity key that authenticates the audit log,\n"
                                "# `mac.audit_from = SEQ` the first audit chain row it keys.\n";

/// A key id: a positive decimal integer below 2^32, no sign, no leading zero.
bool parseId(std::string_view text, std::uint32_t& id)
{
	if (text.empty() || text.size() > 10 || text[0] == '0') return false;
	std::uint64_t value = 0;
	for (char c : text)
	{
		if (c < '0' || c > '9') return false;
		value = value * 10 + static_cast<std::uint64_t>(c - '0');
	}
	if (value > std::numeric_limits<std::uint32_t>::max()) return false;
	id = static_cast<std::uint32_t>(value);
	return true;
}

/// A seq: a positive decimal integer of at most 18 digits, no sign, no leading zero.
bool parseSeq(std::string_view text, std::uint64_t& seq)
{
	if (text.empty() || text.size() > 18 || text[0] == '0') return false;
	std::uint64_t value = 0;
	for (char c : text)
	{
		if (c < '0' || c > '9') return false;
		value = value * 10 + static_cast<std::uint64_t>(c - '0');
	}
	seq = value;
	return true;
}

/// The 32 bytes of a key line's base64 value into key, or a KeyringError
/// that names where and label.
void decodeKey(std::string_view value, const std::string& where, const std::string& label, std::string& key)
{
	// Empty text would decode to no bytes; the file format calls it invalid.
	if (value.empty() || !Base64::decodeInto(value, Base64::kStandard, key))
		throw KeyringError(where + label + " is not valid base64");
	if (key.size() != Keyring::kKeyBytes)
		throw KeyringError(where + label + " is not " + std::to_string(Keyring::kKeyBytes) + " bytes long");
}

/// kKeyBytes fresh random bytes.
std::string randomKey()
{
	std::string key(Keyring::kKeyBytes, '\0');
	try
	{
		Random::fill(reinterpret_cast<unsigned char*>(&key[0]), Keyring::kKeyBytes);
	}
	catch (const std::runtime_error&)
	{
		Wiper::wipe(&key[0], key.size());
		throw KeyringError("random generator failed");
	}
	return key;
}

std::string_view trim(std::string_view s)
{
	const char* const kSpace = " \t\r";
	const std::size_t first = s.find_first_not_of(kSpace);
	if (first == std::string_view::npos) return std::string_view();
	return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

std::string octalMode(mode_t mode)
{
	char text[8];
	std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
	return text;
}

/// The owner of the directory holding path (the service's user for the
/// package's /var/lib/nexus); nullopt when it cannot be seen.
std::optional<uid_t> directoryOwner(const std::string& path)
{
	const auto slash = path.rfind('/');
	const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
	struct stat st;
	if (::stat(dir.c_str(), &st) != 0) return std::nullopt;
	return st.st_uid;
}

/// Reads the whole keyring file at path into content (wiped by the caller),
/// refusing a missing, non-regular, too large or group/world-accessible
/// file, a symbolic link, and a file owned by anyone but root, this
/// process's user or the owner of its directory (the service's user, when
/// root runs nexusctl): whoever owns the file can change what it holds.
void readKeyringFile(const std::string& path, std::string& content)
{
	const auto refuseWideModes = [&path](const struct stat& st) {
		if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
			throw KeyringError("keyring file " + path + " is accessible by group or others (mode " +
			                   octalMode(st.st_mode) + "); run chmod 600 " + path);
		if (st.st_uid != 0 && st.st_uid != ::geteuid() && directoryOwner(path) != st.st_uid)
			throw KeyringError("keyring file " + path + " is owned by uid " + std::to_string(st.st_uid) +
			                   ": neither root, this process's user (uid " + std::to_string(::geteuid()) +
			                   ") nor its directory's owner; chown it to the service's user");
	};
	try
	{
		readSmallFile(path, kMaxFileBytes, content, refuseWideModes, kFileDescription, true);
	}
	catch (const FileError& e)
	{
		if (e.error() == ENOENT) throw KeyringError(std::string(e.what()) + " (create it with `nexusctl vault init`)");
		throw KeyringError(e.what());
	}
}

/// Writes content to path atomically, mode 0600, keeping a replaced file's
/// owner; when !replace, never over an existing file.
void writeKeyringFile(const std::string& path, const std::string& content, bool replace)
{
	AtomicWriteOptions options;
	options.mode = 0600;
	options.replace = replace;
	options.keepOwner = true;
	options.description = kFileDescription;
	try
	{
		writeFileAtomically(path, content, options);
	}
	catch (const FileError& e)
	{
		throw KeyringError(e.what());
	}
}

} // namespace

Keyring::~Keyring()
{
	wipe();
}

Keyring::Keyring(Keyring&& other) noexcept:
    _keys(std::move(other._keys)), _active(other._active), _mac(std::move(other._mac)), _auditFrom(other._auditFrom)
{
	other.wipe();
}

Keyring& Keyring::operator=(Keyring&& other) noexcept
{
	if (this != &other)
	{
		wipe();
		_keys.swap(other._keys);
		_mac.swap(other._mac);
		_active = other._active;
		_auditFrom = other._auditFrom;
		other._active = 0;
		other._auditFrom = 0;
	}
	return *this;
}

Keyring Keyring::generate()
{
	Keyring keyring;
	keyring.rotate();
	keyring.addMac(1);
	return keyring;
}

Keyring Keyring::load(const std::string& path)
{
	std::string content;
	Wiper contentWiper(content);
	readKeyringFile(path, content);
	return parse(content, path);
}

std::string Keyring::read(const std::string& path)
{
	std::string content;
	Wiper contentWiper(content);
	readKeyringFile(path, content);
	parse(content, path); // refuses what load() refuses
	std::string text;
	text.swap(content); // content, now empty, has nothing left to wipe
	return text;
}

Keyring Keyring::parse(const std::string& content, const std::string& path)
{
	Keyring keyring;
	bool haveActive = false;
	const std::string_view text(content);
	std::size_t lineNumber = 0;
	for (std::size_t start = 0; start < text.size();)
	{
		std::size_t end = text.find('\n', start);
		if (end == std::string_view::npos) end = text.size();
		const std::string_view line = trim(text.substr(start, end - start));
		start = end + 1;
		++lineNumber;
		if (line.empty() || line[0] == '#') continue;

		const std::string where = "keyring file " + path + " line " + std::to_string(lineNumber) + ": ";
		const std::size_t equals = line.find('=');
		if (equals == std::string_view::npos) throw KeyringError(where + kExpected);
		const std::string_view name = trim(line.substr(0, equals));
		const std::string_view value = trim(line.substr(equals + 1));
		std::uint32_t id = 0;
		if (name == "active")
		{
			if (haveActive) throw KeyringError(where + "a second `active` line");
			if (!parseId(value, id)) throw KeyringError(where + "the active id is not a positive integer");
			keyring._active = id;
			haveActive = true;
		}
		else if (name.substr(0, 4) == "key.")
		{
			if (!parseId(name.substr(4), id)) throw KeyringError(where + "the key id is not a positive integer");
			const std::string label = "key " + std::to_string(id);
			std::string key;
			Wiper keyWiper(key);
			decodeKey(value, where, label, key);
			if (keyring.has(id)) throw KeyringError(where + label + " appears twice");
			keyring._keys.emplace(id, std::move(key));
		}
		else if (name == "mac")
		{
			if (keyring.hasMac()) throw KeyringError(where + "a second `mac` line");
			std::string key;
			Wiper keyWiper(key);
			decodeKey(value, where, "the integrity key (mac)", key);
			keyring._mac.swap(key);
		}
		else if (name == "mac.audit_from")
		{
			if (keyring._auditFrom != 0) throw KeyringError(where + "a second `mac.audit_from` line");
			if (!parseSeq(value, keyring._auditFrom))
				throw KeyringError(where + "mac.audit_from is not a positive integer");
		}
		else
			throw KeyringError(where + kExpected);
	}
	if (keyring.hasMac() != (keyring._auditFrom != 0))
		throw KeyringError("keyring file " + path + ": `mac` and `mac.audit_from` go together, and only one is there");
	if (keyring._keys.empty()) throw KeyringError("keyring file " + path + " holds no key");
	if (!haveActive) throw KeyringError("keyring file " + path + " has no `active = ID` line");
	if (!keyring.has(keyring._active))
		throw KeyringError("keyring file " + path + ": the active key " + std::to_string(keyring._active) +
		                   " is not in the file");
	return keyring;
}

void Keyring::save(const std::string& path) const
{
	write(path, true);
}

void Keyring::create(const std::string& path) const
{
	write(path, false);
}

void Keyring::write(const std::string& path, bool replace) const
{
	if (_keys.empty() || !has(_active)) throw KeyringError("refusing to write an empty keyring to " + path);
	std::string content;
	Wiper contentWiper(content);
	// Large enough for everything, so that no reallocation leaves key text in freed memory.
	content.reserve(std::strlen(kFileHeader) + 128 + (_keys.size() + 1) * (32 + kKeyBytes * 2));
	content += kFileHeader;
	content += "active = " + std::to_string(_active) + "\n";
	for (const auto& entry : _keys)
	{
		content += "key." + std::to_string(entry.first) + " = ";
		Base64::appendEncoded(entry.second, Base64::kStandard, content);
		content += "\n";
	}
	if (hasMac())
	{
		content += "mac = ";
		Base64::appendEncoded(_mac, Base64::kStandard, content);
		content += "\nmac.audit_from = " + std::to_string(_auditFrom) + "\n";
	}
	writeKeyringFile(path, content, replace);
}

std::uint32_t Keyring::rotate()
{
	std::uint32_t id = 1;
	if (!_keys.empty())
	{
		if (_keys.rbegin()->first == std::numeric_limits<std::uint32_t>::max())
			throw KeyringError("no key id left after " + std::to_string(_keys.rbegin()->first));
		id = _keys.rbegin()->first + 1;
	}
	_keys.emplace(id, randomKey());
	_active = id;
	return id;
}

void Keyring::remove(std::uint32_t id)
{
	const auto it = _keys.find(id);
	if (it == _keys.end()) throw KeyringError("the keyring has no key " + std::to_string(id));
	if (id == _active) throw KeyringError("key " + std::to_string(id) + " is the active key");
	Wiper::wipe(&it->second[0], it->second.size());
	_keys.erase(it);
}

std::vector<std::uint32_t> Keyring::ids() const
{
	std::vector<std::uint32_t> ids;
	ids.reserve(_keys.size());
	for (const auto& entry : _keys) ids.push_back(entry.first);
	return ids;
}

const std::string& Keyring::key(std::uint32_t id) const
{
	const auto it = _keys.find(id);
	if (it == _keys.end()) throw KeyringError("the keyring has no key " + std::to_string(id));
	return it->second;
}

std::string Keyring::macSubkey(const std::string& label) const
{
	if (!hasMac()) throw KeyringError("the keyring has no integrity key (add one with `nexusctl vault mac-key`)");
	return Digest::hmacSha256(_mac, label);
}

void Keyring::addMac(std::uint64_t auditFrom)
{
	if (hasMac()) throw KeyringError("the keyring already has an integrity key");
	if (auditFrom == 0 || auditFrom >= (std::uint64_t{1} << 63))
		throw KeyringError("mac.audit_from must be a positive integer below 2^63");
	_mac = randomKey();
	_auditFrom = auditFrom;
}

void Keyring::wipe()
{
	for (auto& entry : _keys) Wiper::wipe(&entry.second[0], entry.second.size());
	_keys.clear();
	_active = 0;
	if (!_mac.empty()) Wiper::wipe(&_mac[0], _mac.size());
	_mac.clear();
	_auditFrom = 0;
}

} // namespace Vault
} // namespace Nexus
