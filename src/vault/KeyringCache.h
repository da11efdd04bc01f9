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
/// When a reload fails (say the file became group-readable) the previous
/// keyring stays in use and a warning goes to the "vault" logger. Thread-safe.
class KeyringCache
{
public:
	static constexpr std::chrono::milliseconds kCheckInterval{1000};

	/// The process-wide cache of path's keyring (one per path). Throws
	/// KeyringError while no keyring of path could be loaded yet.
	static std::shared_ptr<const Keyring> current(const std::string& path);

	explicit KeyringCache(std::string path, std::chrono::milliseconds checkInterval = kCheckInterval);

	KeyringCache(const KeyringCache&) = delete;
	KeyringCache& operator=(const KeyringCache&) = delete;
	~KeyringCache() = default;

	/// The keyring, re-checking the file when the check interval has passed.
	/// Throws KeyringError while no keyring could be loaded yet.
	std::shared_ptr<const Keyring> get();

private:
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
};

} // namespace Vault
} // namespace Nexus
