#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace Nexus {

/// A small thread-safe map from a string key to a value that expires, for
/// the workers' caches of database answers (tokens, profiles).
///
/// Every entry belongs to a generation (see metrics/Invalidation.h): find()
/// is given the current one and, when it has moved, drops every entry at
/// once. store() is given the generation its caller read *before* it asked
/// the database, so an answer that raced with a change (read before the
/// change committed, stored after the counter moved) is not kept.
///
/// At most maxEntries entries: a store into a full cache first drops the
/// expired entries and, if that frees nothing, all of them. Cheap and
/// bounded; the caches are small and refill in one query per key.
template <typename Value> class ExpiringCache
{
public:
	using Clock = std::chrono::steady_clock;

	explicit ExpiringCache(std::size_t maxEntries): _maxEntries(maxEntries) {}

	/// The value stored for key, unless it has expired or generation has
	/// moved since it was stored.
	std::optional<Value> find(const std::string& key, std::uint64_t generation, Clock::time_point now)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		adopt(generation);
		const auto it = _entries.find(key);
		if (it == _entries.end()) return std::nullopt;
		if (it->second.expires <= now)
		{
			_entries.erase(it);
			return std::nullopt;
		}
		return it->second.value;
	}

	/// Keeps value for key until expires, unless generation (read before
	/// the value was fetched) is older than one the cache has already seen.
	void store(const std::string& key, Value value, std::uint64_t generation, Clock::time_point expires)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		if (generation < _generation) return;
		adopt(generation);
		if (_entries.size() >= _maxEntries && _entries.find(key) == _entries.end()) makeRoom(Clock::now());
		if (_maxEntries == 0) return;
		_entries.insert_or_assign(key, Entry{std::move(value), expires});
	}

	/// Drops key's entry, if any.
	void erase(const std::string& key)
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_entries.erase(key);
	}

	/// Drops every entry (whatever the generation).
	void clear()
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_entries.clear();
	}

	std::size_t size() const
	{
		std::lock_guard<std::mutex> lock(_mutex);
		return _entries.size();
	}

private:
	struct Entry
	{
		Value value;
		Clock::time_point expires;
	};

	void adopt(std::uint64_t generation)
	{
		if (generation == _generation) return;
		_entries.clear();
		_generation = generation;
	}

	void makeRoom(Clock::time_point now)
	{
		for (auto it = _entries.begin(); it != _entries.end();)
			it = it->second.expires <= now ? _entries.erase(it) : std::next(it);
		if (_entries.size() >= _maxEntries) _entries.clear();
	}

	mutable std::mutex _mutex;
	std::unordered_map<std::string, Entry> _entries;
	std::uint64_t _generation = 0;
	std::size_t _maxEntries;
};

} // namespace Nexus
