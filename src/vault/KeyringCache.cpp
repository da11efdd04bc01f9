#include "vault/KeyringCache.h"

#include <Poco/Logger.h>

#include <sys/stat.h>

#include <map>
#include <utility>

namespace Nexus {
namespace Vault {

KeyringCache& KeyringCache::of(const std::string& path)
{
	static std::mutex mutex;
	static std::map<std::string, std::unique_ptr<KeyringCache>> caches;
	std::lock_guard<std::mutex> lock(mutex);
	std::unique_ptr<KeyringCache>& slot = caches[path];
	if (!slot) slot.reset(new KeyringCache(path));
	return *slot;
}

std::shared_ptr<const Keyring> KeyringCache::current(const std::string& path)
{
	return of(path).get();
}

KeyringCache::State KeyringCache::state(const std::string& path)
{
	return of(path).check();
}

void KeyringCache::seed(const std::string& path, Keyring keyring)
{
	KeyringCache& cache = of(path);
	std::lock_guard<std::mutex> lock(cache._mutex);
	if (cache._checked) return; // the file was read already
	cache._keyring = std::make_shared<const Keyring>(std::move(keyring));
	cache._seeded = true;
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
	refresh();
	if (!_keyring) throw KeyringError(_lastError);
	return _keyring;
}

KeyringCache::State KeyringCache::check()
{
	std::lock_guard<std::mutex> lock(_mutex);
	refresh();
	return State{_keyring, _lastError};
}

void KeyringCache::refresh()
{
	const auto now = std::chrono::steady_clock::now();
	if (_checked && now - _lastCheck < _checkInterval) return;
	_lastCheck = now;

	// The stamp is taken before loading: should the file change in between,
	// the next check sees a new stamp and loads it again. After a failure
	// every check tries again, but logs only something new.
	const FileStamp current = stamp();
	if (_checked && current == _stamp && _lastError.empty()) return;
	const bool changed = !_checked || current != _stamp;
	_checked = true;
	_stamp = current;
	try
	{
		std::shared_ptr<const Keyring> loaded = std::make_shared<const Keyring>(Keyring::load(_path));
		const std::string what =
		    "active key " + std::to_string(loaded->activeId()) + ", " + std::to_string(loaded->size()) + " keys";
		if (!_lastError.empty() && _keyring)
			Poco::Logger::get("vault").information("keyring file " + _path + " loads again: " + what);
		else if (_keyring && !_seeded)
			Poco::Logger::get("vault").information("reloaded keyring " + _path + ": " + what);
		_keyring = std::move(loaded);
		_seeded = false;
		_lastError.clear();
	}
	catch (const KeyringError& e)
	{
		// KeyringError messages name the file and the line, never key material.
		const bool repeated = !changed && _lastError == e.what();
		_lastError = e.what();
		if (_keyring && !repeated)
			Poco::Logger::get("vault").error("cannot load the keyring file " + _path + ": " + _lastError +
			                                 "; still using the keys loaded " + (_seeded ? "by the master" : "before") +
			                                 " (active key " + std::to_string(_keyring->activeId()) + ", " +
			                                 std::to_string(_keyring->size()) + " keys) until the file is fixed");
	}
}

} // namespace Vault
} // namespace Nexus
