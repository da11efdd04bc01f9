#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace Nexus {
namespace Audit {

/// Decides which refused authentications ("auth.failed") get an audit row,
/// so that a flood of bad tokens can neither fill the audit log nor load the
/// database with one INSERT per request.
///
/// Counted per client address and minute (in this process): the first
/// perMinute failures of an address in a minute get a row each (target: the
/// request path); after that only the 10th, 100th, 1000th ... failure of
/// that minute does, and its target says how many there have been
/// ("/api/agents (1000th failure from this address this minute)"). 2,000
/// bad-token requests from one address in a minute thus make perMinute + 2
/// rows per worker. Thread-safe; at most kMaxAddresses addresses are
/// tracked (beyond that the oldest minute's are forgotten).
///
/// The same counting bounds the "access.denied" rows of refused
/// authorizations, per caller (principal and address): source then names
/// what is counted ("this caller").
class FailureThrottle
{
public:
	static constexpr std::size_t kMaxAddresses = 10000;

	explicit FailureThrottle(std::size_t perMinute, std::string source = "this address"):
	    _perMinute(perMinute), _source(std::move(source))
	{}

	/// The target of the audit row to write for this failure, or nullopt
	/// when it is only counted. client: what is counted (an address, or a
	/// principal and address); minute: the current minute (e.g. seconds
	/// since the epoch / 60).
	std::optional<std::string> admit(const std::string& client, const std::string& path, std::int64_t minute);

private:
	struct Count
	{
		std::int64_t minute = 0;
		std::uint64_t failures = 0;
	};

	std::size_t _perMinute;
	std::string _source;
	std::mutex _mutex;
	std::unordered_map<std::string, Count> _counts;
};

} // namespace Audit
} // namespace Nexus
