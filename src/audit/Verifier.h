#pragma once

#include "audit/Chain.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace Nexus {
namespace Audit {

/// Checks the audit log against its hash chain (Chain.h).
///
/// Feed it the sealed rows in seq order (sealed()) and the unsealed tail
/// (unsealed()); or let verifyDatabase() walk audit_log. A sealed row is
/// broken when it is malformed (no or bad hashes, bad time or outcome),
/// when its seq is not the previous one + 1 (a row is missing: "seq gap"),
/// when its prev_hash is not the previous row's hash, or when its hash is
/// not the hash of its content (keyed: also when its row MAC is missing or
/// does not match its content). An unsealed row is broken when it already
/// carries a hash or its time or outcome is malformed. Unsealed rows are not
/// protected yet: nothing can tell whether they were changed.
///
/// What this cannot see alone: rows removed from the end of the chain, or a
/// chain rewritten from some row on. The summary prints the head (seq and
/// hash), and the sealer logs it after every pass: a head recorded outside
/// the database (expectHead) that the walk does not meet is a problem. So
/// is an unsealed row older than a cutoff (expectSealedBefore): the sealer
/// is not running, or someone took rows out of the chain.
class Verifier
{
public:
	/// The chain must hold seq with hash (a head recorded earlier, e.g. from
	/// the log): checked as the sealed rows go by, and by finish().
	void expectHead(std::uint64_t seq, const std::string& hash);
	/// Every row at or before cutoff (SQL DATETIME text) must be sealed.
	void expectSealedBefore(const std::string& cutoff);
	/// The log is keyed (AuditKey.h): rows from seq key->keyedFrom on must
	/// be chained with the chain key and carry a row MAC that matches their
	/// content, and so must every unsealed row. Without a key the chain is
	/// checked as plain SHA-256 and the summary says it is not keyed.
	void useKey(AuditKeyPtr key);

	/// A broken row: its id, its seq (none when unsealed), and what is wrong.
	struct Problem
	{
		std::uint64_t id = 0;
		std::optional<std::uint64_t> seq;
		std::string what;
	};

	/// Checks the next sealed row (in seq order).
	void sealed(const Entry& entry);
	/// Checks an unsealed row.
	void unsealed(const Entry& entry);
	/// After the last row: reports a recorded head the walk did not meet.
	void finish();

	bool intact() const { return _problems == 0; }
	/// The first broken row, in the order fed.
	const std::optional<Problem>& firstProblem() const { return _first; }
	std::size_t problems() const { return _problems; }
	std::uint64_t sealedRows() const { return _sealed; }
	std::uint64_t unsealedRows() const { return _unsealed; }
	/// The last sealed row's seq (0: none) and hash (kGenesis: none).
	std::uint64_t headSeq() const { return _headSeq; }
	const std::string& headHash() const { return _prevHash; }

	/// The report nexusctl prints: one line when intact, else the first
	/// problem ("audit chain broken at row 1234 (seq 1200): hash mismatch")
	/// and a count.
	std::string summary() const;

	/// Walks audit_log in one consistent snapshot, batch rows at a time,
	/// with what verifier already expects (expectHead, expectSealedBefore).
	/// Throws Http::Unavailable or sql::SQLException.
	static Verifier verifyDatabase(Verifier verifier, std::size_t batch = 1000);
	static Verifier verifyDatabase() { return verifyDatabase(Verifier()); }

	/// How long a row may stay unsealed before it counts as broken: many
	/// seal intervals past the seal delay, and never under a minute.
	static std::int64_t unsealedLimitMs(int sealDelayMs, int sealIntervalMs);
	/// A verifier that expects what the settings promise (rows sealed within
	/// unsealedLimitMs) with key (nullptr: unkeyed).
	static Verifier forSettings(int sealDelayMs, int sealIntervalMs, AuditKeyPtr key);

private:
	void report(const Entry& entry, const std::string& what);

	std::uint64_t _expectedSeq = 1;
	std::string _prevHash = Chain::kGenesis;
	std::uint64_t _headSeq = 0;
	std::uint64_t _sealed = 0;
	std::uint64_t _unsealed = 0;
	std::string _oldestUnsealed;
	std::optional<std::pair<std::uint64_t, std::string>> _recordedHead;
	bool _recordedHeadSeen = false;
	std::string _sealedBefore;
	AuditKeyPtr _key;
	std::size_t _problems = 0;
	std::optional<Problem> _first;
};

} // namespace Audit
} // namespace Nexus
