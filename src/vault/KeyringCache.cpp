#include "vault/KeyringCache.h"

#include <Poco/Logger.h>

#include <sys/stat.h>

#include <map>
#include <utility>

namespace Nexus {
namespace Vault {

std::shared_ptr<const Keyring> KeyringCache::current(const std::string& path)
{
	static std::mutex mutex;
	static std::map<std::string, std::unique_ptr<KeyringCache>> caches;
	KeyringCache* cache = nullptr;
	{
		std::lock_guard<std::mutex> lock(mutex);
		std::unique_ptr<KeyringCache>& slot = caches[path];
		if (!slot) slot.reset(new KeyringCache(path));
		cache = slot.get();
	}
	return cache->get();
}

KeyringCache::KeyringCache(std::string path, std::chrono::milliseconds checkInterval):
    _path(std::move(path)), _checkInterval(checkInterval)
{}

bool KeyringCache::FileStamp::operator==(const FileStamp& other) const
{
	return exists == other.exists && device == other.device && inode == other.inode && size == other.size &&
	       mtimeS == other.mtimeS && mtimeNs == other.mtimeNs && ctimeS == other.ctimeS && ctimeNs == other.ctimeNs;
}

KeyringCache::FileStamp KeyringCache::stamp() const
{
	FileStamp s;
	struct stat st;
	if (::stat(_path.c_str(), &st) != 0) return s;
	s.exists = true;
	s.device = st.st_dev;
	s.inode = st.st_ino;
	s.size = static_cast<unsigned long long>(st.st_size);
	s.mtimeS = st.st_mtim.tv_sec;
	s.mtimeNs = st.st_mtim.tv_nsec;
	s.ctimeS = st.st_ctim.tv_sec;
	s.ctimeNs = st.st_ctim.tv_nsec;
	return s;
}

std::shared_ptr<const Keyring> KeyringCache::get()
{
	std::lock_guard<std::mutex> lock(_mutex);
	const auto now = std::chrono::steady_clock::now();
	if (_checked && now - _lastCheck < _checkInterval)
	{
		if (!_keyring) throw KeyringError(_lastError);
		return _keyring;
	}
	_lastCheck = now;

	// The stamp is taken before loading: should the file change in between,
	// the next check sees a new stamp and loads it again. After a failure
	// every check tries again, but warns only about something new.
	const FileStamp current = stamp();
	if (_checked && current == _stamp && _lastError.empty()) return _keyring;
	const bool changed = !_checked || current != _stamp;
	_checked = true;
	_stamp = current;
	try
	{
		std::shared_ptr<const Keyring> loaded = std::make_shared<const Keyring>(Keyring::load(_path));
		if (_keyring)
			Poco::Logger::get("vault").information("reloaded keyring " + _path + ": active key " +
			                                       std::to_string(loaded->activeId()) + ", " +
			                                       std::to_string(loaded->size()) + " keys");
		_keyring = std::move(loaded);
		_lastError.clear();
	}
	catch (const KeyringError& e)
	{
		// KeyringError messages hold no key material.
		const bool repeated = !changed && _lastError == e.what();
		_lastError = e.what();
		if (_keyring && !repeated)
			Poco::Logger::get("vault").warning("cannot reload the keyring, keeping active key " +
			                                   std::to_string(_keyring->activeId()) + ": " + _lastError);
	}
	if (!_keyring) throw KeyringError(_lastError);
	return _keyring;
}

} // namespace Vault
} // namespace Nexus
