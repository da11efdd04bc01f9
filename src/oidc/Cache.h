#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

namespace Nexus {
namespace Oidc {

/// One document fetched from the provider (its discovery document, its key
/// set), kept for maxAge and fetched again no more often than once per
/// minRefetchInterval, however many requests ask. Thread-safe: a fetch
/// runs under the cache's lock, so callers arriving meanwhile wait for
/// that fetch instead of starting their own.
///
/// With a JWKS, the login route does:
///
///     auto keys = cache.get();
///     try { claims = verifier.verify(token, *keys, nonce); }
///     catch (const UnknownKey&) { claims = verifier.verify(token, *cache.refetch(), nonce); }
///
/// so a rotated key is picked up at once, and a flood of tokens with
/// made-up kids costs the provider one request per interval.
template <typename T> class Cache
{
public:
	using Clock = std::chrono::steady_clock;
	using Fetch = std::function<T()>;

	static constexpr std::chrono::seconds kMaxAge{3600};
	static constexpr std::chrono::seconds kMinRefetchInterval{60};

	/// fetch is called under the lock, and may throw (the caller sees its
	/// exception, see get()). now is the clock (a test's stand-in).
	explicit Cache(Fetch fetch, std::chrono::seconds maxAge = kMaxAge,
	               std::chrono::seconds minRefetchInterval = kMinRefetchInterval,
	               std::function<Clock::time_point()> now = &Clock::now):
	    _fetch(std::move(fetch)),
	    _maxAge(maxAge), _minRefetchInterval(minRefetchInterval), _now(std::move(now))
	{}

	Cache(const Cache&) = delete;
	Cache& operator=(const Cache&) = delete;
	~Cache() = default;

	/// The document, fetched when there is none yet or it is older than
	/// maxAge. When that fetch fails, the document held so far is returned
	/// (and the fetch tried again after minRefetchInterval); with none held,
	/// the fetch's exception propagates.
	std::shared_ptr<const T> get()
	{
		const std::lock_guard<std::mutex> lock(_mutex);
		const Clock::time_point now = _now();
		if (_value && now - _fetched < _maxAge) return _value;
		if (_value && now - _attempted < _minRefetchInterval) return _value;
		try
		{
			return fetchLocked(now);
		}
		catch (...)
		{
			if (_value) return _value;
			throw;
		}
	}

	/// The document fetched again, unless a fetch was tried less than
	/// minRefetchInterval ago: then the document held (fetched if there is
	/// none). The fetch's exception propagates.
	std::shared_ptr<const T> refetch()
	{
		const std::lock_guard<std::mutex> lock(_mutex);
		const Clock::time_point now = _now();
		if (_value && now - _attempted < _minRefetchInterval) return _value;
		return fetchLocked(now);
	}

private:
	std::shared_ptr<const T> fetchLocked(Clock::time_point now)
	{
		_attempted = now;
		_value = std::make_shared<const T>(_fetch());
		_fetched = now;
		return _value;
	}

	const Fetch _fetch;
	const std::chrono::seconds _maxAge;
	const std::chrono::seconds _minRefetchInterval;
	const std::function<Clock::time_point()> _now;

	std::mutex _mutex;               ///< guards the members below
	std::shared_ptr<const T> _value; ///< null until a fetch succeeded
	Clock::time_point _fetched{};    ///< of _value
	Clock::time_point _attempted{};  ///< of the last fetch, failed or not
};

} // namespace Oidc
} // namespace Nexus
