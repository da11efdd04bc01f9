#pragma once

#include "vault/Keyring.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace Nexus {
namespace Vault {

/// The keyring of one file as the workers see it: loaded on first use and
/// loaded again when the file is replaced or changed (inode, size, mtime or
/// ctime differ), looked at no more than once per check interval, so that
/// `nexusctl vault rotate-key` reaches running workers without a restart.
/// When a reload fails (the file replaced by a broken one, made
/// group-readable, removed) the keys loaded before stay in use, an error
/// naming the file and the reason (never key material) goes to the "vault"
/// logger, and state() reports it (/admin/status); the next good version of
/// the file is loaded as usual. A worker started while the file is broken
/// gets the keys its master last loaded (seed()). Thread-safe.
class KeyringCache
{
public:
	static constexpr std::chrono::milliseconds kCheckInterval{1000};

	/// The process-wide cache of path's keyring (one per path). Throws
	/// KeyringError while no keyring of path could be loaded yet.
	static std::shared_ptr<const Keyring> current(const std::string& path);

	/// What the cache holds after a check: the keyring in use (null while
	/// none could be loaded) and why the file's last load failed (empty
	/// when it loaded: then the keyring is the file's).
	struct State
	{
		std::shared_ptr<const Keyring> keyring;
		std::string error;
	};

	/// The state of path's process-wide cache, checking the file like current().
	static State state(const std::string& path);

	/// Gives path's process-wide cache keyring before its first check: the
	/// keys in use should the file not load (a worker's master passes the
	/// keys it last loaded).
	static void seed(const std::string& path, Keyring keyring);

	explicit KeyringCache(std::string path, std::chrono::milliseconds checkInterval = kCheckInterval);

	KeyringCache(const KeyringCache&) = delete;
	KeyringCache& operator=(const KeyringCache&) = delete;
	~KeyringCache() = default;

	/// The keyring, re-checking the file when the check interval has passed.
	/// Throws KeyringError while no keyring could be loaded yet.
	std::shared_ptr<const Keyring> get();

	/// The keyring and the last error, re-checking the file like get(); never throws.
	State check();

private:
	static KeyringCache& of(const std::string& path);
	/// get() and check(): the caller holds _mutex.
	void refresh();

	/// What tells one version of the file from another.
	struct FileStamp
	{
		bool exists = false;
		unsigned long long device = 0, inode = 0, size = 0;
		long long mtimeS = 0, mtimeNs = 0, ctimeS = 0, ctimeNs = 0;
		bool operator==(const FileStamp& other) const;
		bool operator!=(const FileStamp& other) const { return !(*this == other); }
	};

	FileStamp stamp() const;

	const std::string _path;
	const std::chrono::milliseconds _checkInterval;
	std::mutex _mutex;
	std::shared_ptr<const Keyring> _keyring;
	bool _checked = false;
	std::chrono::steady_clock::time_point _lastCheck;
	FileStamp _stamp;       ///< of the last load attempt
	std::string _lastError; ///< of the last failed attempt
	bool _seeded = false;   ///< _keyring came from seed(), not from the file (yet)
};

} // namespace Vault
} // namespace Nexus
