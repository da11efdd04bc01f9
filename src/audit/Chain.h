#pragma once

#include "audit/AuditKey.h"

#include <cstdint>
#include <optional>
#include <string>

namespace Nexus {
namespace Audit {

/// One row of audit_log as the chain, the verifier and the API see it.
struct Entry
{
	std::uint64_t id = 0;
	std::string at; ///< UTC, "YYYY-MM-DD HH:MM:SS.mmm" (always 3 fraction digits)
	std::string requestId;
	std::string principal;             ///< Principal::label(), or operator:<unix user> (nexusctl)
	std::string action;                ///< "token.create", "secret.read", ...
	std::string target;                ///< "agent:addy", "secret:42", a request path, ...
	std::string outcome;               ///< "ok", "denied" or "error"
	std::string client;                ///< the client's address as nginx saw it; "local" for nexusctl
	std::optional<std::string> rowMac; ///< Chain::rowMac when written; none from an unkeyed writer
	/// Random, set when the row is made (AuditLog): a write of the row run
	/// again after a lost connection skips it when it is there. Not part of
	/// the chain or the MAC; empty for rows read back.
	std::string writeKey;
	std::optional<std::uint64_t> seq; ///< position in the chain; none until sealed
	std::optional<std::string> prevHash;
	std::optional<std::string> hash;
};

/// The hash chain over audit_log, as pure functions (no database).
///
/// The sealer gives sealed rows seq 1, 2, 3, ... in the order it seals them
/// (which is id order, except for a row that committed late) and
///
///     prev_hash(seq 1) = kGenesis (64 '0' characters)
///     prev_hash(seq n) = hash(seq n-1)
///     hash             = lower-hex SHA-256( prev_hash || canonical(row) )
///
/// where prev_hash enters as its 64 ASCII hex characters and canonical(row)
/// is a sequence of netstrings ("<byte length in decimal>:<bytes>,"): first
/// the format tag "nexus-audit-v1", then id (decimal, no leading zeros), at,
/// request_id, principal, action, target, outcome and client, each exactly
/// as stored (UTF-8). Every field carries its own length, so no choice of
/// field contents can make two different rows encode alike. For example the
/// row (7, "2026-01-02 03:04:05.678", "r1", "admin", "token.create",
/// "agent:addy", "ok", "127.0.0.1") is
///
///     14:nexus-audit-v1,1:7,23:2026-01-02 03:04:05.678,2:r1,5:admin,12:token.create,10:agent:addy,2:ok,9:127.0.0.1,
///
/// and its hash can be checked by hand with
/// `printf '%s%s' "$prev_hash" "$canonical" | sha256sum`.
///
/// Keyed (the vault keyring has an integrity key, AuditKey.h): from seq
/// keyedFrom on, hash is lower-hex HMAC-SHA-256 under the chain key of the
/// same bytes instead, so that only a holder of the keyring can extend or
/// re-chain it; rows before keyedFrom (sealed before the key existed) keep
/// SHA-256. And each row gets, when it is written, row_mac = lower-hex
/// HMAC-SHA-256 under the row key of its content without the id (unknown
/// before the INSERT): netstrings of "nexus-audit-row-v1", at, request_id,
/// principal, action, target, outcome and client.
class Chain
{
public:
	/// The prev_hash of the first sealed row.
	static const std::string kGenesis;
	/// The format tag that starts every canonical encoding.
	static const std::string kFormat;

	/// The canonical encoding of entry's id, at, request id, principal,
	/// action, target, outcome and client (seq and hashes are not part of it).
	static std::string canonical(const Entry& entry);

	/// SHA-256 (lower-case hex) of prevHash followed by canonical(entry);
	/// HMAC-SHA-256 under key->chainKey instead when key is given and
	/// entry.seq is at least key->keyedFrom.
	static std::string hash(const std::string& prevHash, const Entry& entry, const AuditKey* key = nullptr);

	/// True when the row at seq is chained with the key (see hash()).
	static bool keyed(const AuditKey* key, std::uint64_t seq) { return key && seq >= key->keyedFrom; }

	/// The row's MAC under rowKey: see the class comment.
	static std::string rowMac(const std::string& rowKey, const Entry& entry);

	/// True for 64 lower-case hex digits (how hashes are stored).
	static bool isHash(const std::string& s);

	/// True for "YYYY-MM-DD HH:MM:SS.mmm" with plausible field values.
	static bool isTime(const std::string& s);

	/// True for "ok", "denied" and "error".
	static bool isOutcome(const std::string& s);
};

} // namespace Audit
} // namespace Nexus
