#include "audit/FailureThrottle.h"

namespace Nexus {
namespace Audit {

namespace {

bool isPowerOfTen(std::uint64_t n)
{
	while (n >= 10 && n % 10 == 0) n /= 10;
	return n == 1;
}

/// n (1 or a power of ten) as an ordinal.
std::string ordinal(std::uint64_t n)
{
	return std::to_string(n) + (n == 1 ? "st" : "th");
}

} // namespace

std::optional<std::string> FailureThrottle::admit(const std::string& client, const std::string& path,
                                                  std::int64_t minute)
{
	std::uint64_t failures = 0;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		auto it = _counts.find(client);
		if (it == _counts.end())
		{
			if (_counts.size() >= kMaxAddresses)
			{
				for (auto old = _counts.begin(); old != _counts.end();)
					old = old->second.minute < minute ? _counts.erase(old) : std::next(old);
				if (_counts.size() >= kMaxAddresses) _counts.clear();
			}
			it = _counts.emplace(client, Count{}).first;
		}
		Count& count = it->second;
		if (count.minute != minute) count = Count{minute, 0};
		failures = ++count.failures;
	}
	if (failures <= _perMinute) return path;
	if (!isPowerOfTen(failures)) return std::nullopt;
	return path + " (" + ordinal(failures) + " failure from " + _source + " this minute)";
}

} // namespace Audit
} // namespace Nexus
