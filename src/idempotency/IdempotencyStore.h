#pragma once

#include <Poco/Timestamp.h>

#include <cstddef>
#include <optional>
#include <string>

namespace Nexus {
namespace Idempotency {

/// The SQL of table idempotency_keys. claim() and answer() run on the
/// thread's connection inside the caller's transaction (the write the key
/// guards), so that the key's row commits with the write or not at all.
class IdempotencyStore
{
public:
	/// Inserts the row of (principalHash, key), expiring at expiresAt, as the
	/// transaction's first write. When a row is there already: waits for the
	/// transaction that wrote it (InnoDB's lock on the key) and returns its
	/// sealed answer, read with a shared lock; a row past its expires_at
	/// (not purged yet) counts as absent and is taken over. nullopt: the
	/// caller holds the key now and does the write.
	static std::optional<std::string> claim(const std::string& principalHash, const std::string& key,
	                                        const Poco::Timestamp& now, const Poco::Timestamp& expiresAt);

	/// Stores the sealed answer in the row claim() inserted (same transaction).
	static void answer(const std::string& principalHash, const std::string& key, const std::string& sealed);

	/// Deletes up to limit rows that expired before now, in autocommit;
	/// returns how many.
	static std::size_t purgeExpired(const Poco::Timestamp& now, std::size_t limit);
};

} // namespace Idempotency
} // namespace Nexus
