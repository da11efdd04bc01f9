#pragma once

#include "audit/Chain.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Audit {

/// The SQL of the audit log (table audit_log). Rows come back with at in
/// the form Entry documents, whatever the driver's DATETIME text. Methods
/// run on the thread's connection; the ones not marked "inside a
/// transaction" wrap themselves in Database::run (Http::Unavailable when the
/// database is unreachable), the others leave that to the caller.
class AuditStore
{
public:
	/// Column widths: characters for principal and target (utf8mb4), bytes
	/// for the ASCII columns (request_id, action, client).
	static constexpr std::size_t kMaxPrincipalChars = 128;
	static constexpr std::size_t kMaxTargetChars = 255;
	static constexpr std::size_t kMaxAsciiBytes = 64;
	/// Entry::writeKey: 24 random bytes, 32 characters of base64url (the
	/// column's width).
	static constexpr std::size_t kWriteKeyBytes = 24;
	static constexpr std::size_t kWriteKeyChars = 32;

	/// Inserts entry (id, seq and hashes ignored) with one autocommit INSERT:
	/// durable when this returns. Values are first fitted to their columns
	/// (fitText, fitAscii). Throws sql::SQLException or Http::Unavailable.
	static void append(const Entry& entry);

	/// Inserts all entries with one multi-row autocommit INSERT (one commit).
	/// All or none are written. Throws like append().
	static void appendAll(const std::vector<const Entry*>& entries);

	/// Inserts entry (fitted like append()) inside the caller's transaction,
	/// which commits it (Change::write). Throws sql::SQLException.
	static void insert(const Entry& entry);

	/// s as valid UTF-8 of at most maxChars code points: each invalid byte
	/// and each control character becomes U+FFFD; a longer text is cut at a
	/// character boundary and ends in U+2026 (so a cut shows).
	static std::string fitText(const std::string& s, std::size_t maxChars);
	/// s with every byte outside printable ASCII replaced by '?', cut to maxBytes.
	static std::string fitAscii(const std::string& s, std::size_t maxBytes);

	// --- sealing ---------------------------------------------------------------

	/// The audit_seal lease (Db::LeaseStore, table leases) that lets one
	/// sealer at a time, cluster-wide, advance the chain; released by the
	/// destructor, which never throws. Its epoch is the fencing token: each
	/// seal's transaction calls confirm() first and stamps the rows it seals
	/// with the epoch (audit_log.seal_epoch), so a sealer whose lease expired
	/// and was taken cannot commit a seal (on Galera: it sees the new owner,
	/// or its commit fails certification against the taker's write).
	class SealLock
	{
	public:
		/// How long a hold lasts unless confirm() renews it.
		static constexpr int kLeaseMs = 15000;

		/// Waits up to waitSeconds (0: one try) for the lease, held for holdMs;
		/// acquired() tells the result. Throws sql::SQLException or
		/// Http::Unavailable.
		explicit SealLock(int waitSeconds, int holdMs = kLeaseMs);
		~SealLock();
		SealLock(const SealLock&) = delete;
		SealLock& operator=(const SealLock&) = delete;

		bool acquired() const { return _epoch.has_value(); }
		/// The epoch it is held at (acquired() only).
		std::uint64_t epoch() const { return _epoch.value(); }
		/// Inside the seal's transaction: still held at epoch(), renewed for
		/// kLeaseMs; false when it was lost (the caller rolls back).
		bool confirm() const;

	private:
		std::string _owner;
		int _holdMs;
		std::optional<std::uint64_t> _epoch;
	};

	/// Makes this connection's transactions READ COMMITTED, so the sealer's
	/// locking reads take no gap locks that would block audit INSERTs.
	static void useReadCommitted();
	/// Makes this connection's transactions REPEATABLE READ (one snapshot
	/// for the whole transaction: what the verifier walks).
	static void useRepeatableRead();

	/// The sealed row with the highest seq, locked (FOR UPDATE); nullopt for
	/// an empty chain. Inside a transaction.
	static std::optional<Entry> lockHead();

	/// Gives the unsealed row id without a row MAC the MAC rowMac; false
	/// when it has one or is sealed (`nexusctl vault mac-key` adopts the
	/// rows that workers wrote before they saw the new key).
	static bool setRowMac(std::uint64_t id, const std::string& rowMac);

	/// The smallest id of an unsealed row; nullopt when every row is sealed.
	/// (Reads only the seq index's entries for the unsealed rows.)
	static std::optional<std::uint64_t> firstUnsealedId();

	/// Up to limit unsealed rows with id >= fromId and at < cutoff (SQL
	/// DATETIME text), by id. Inside a transaction. The id bound keeps each
	/// batch a short primary key range, however long the sealed log.
	static std::vector<Entry> unsealed(std::uint64_t fromId, const std::string& cutoff, std::size_t limit);

	/// Sets seq, prev_hash and hash of each still unsealed row of entries
	/// (by id), several rows per UPDATE; false when a row is gone or already
	/// sealed (the caller then rolls back), and stamps them with epoch, the
	/// seal lease's (SealLock::epoch). Throws sql::SQLException (duplicate
	/// key) when a seq is taken. Inside a transaction.
	static bool seal(const std::vector<Entry>& entries, std::uint64_t epoch);

	// --- verifying ----------------------------------------------------------------

	/// Up to limit sealed rows with seq > afterSeq, by seq. Inside a transaction.
	static std::vector<Entry> sealedAfter(std::uint64_t afterSeq, std::size_t limit);
	/// Up to limit unsealed rows with id > afterId, by id. Inside a transaction.
	static std::vector<Entry> unsealedAfter(std::uint64_t afterId, std::size_t limit);

	// --- listing -------------------------------------------------------------------

	/// What GET /admin/audit-log filters on; each set member must match.
	struct Filter
	{
		std::optional<std::string> principal; ///< exact (byte-wise) match
		std::optional<std::string> action;    ///< exact
		std::optional<std::string> target;    ///< exact (byte-wise) match
		std::optional<std::string> since;     ///< SQL DATETIME text, at >= since
		std::optional<std::string> until;     ///< SQL DATETIME text, at < until
	};

	/// Up to limit rows matching filter with id < beforeId (0: from the
	/// newest), newest first.
	static std::vector<Entry> list(const Filter& filter, std::size_t limit, std::uint64_t beforeId);
};

} // namespace Audit
} // namespace Nexus
