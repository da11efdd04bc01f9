#pragma once

#include "auth/Principal.h"
#include "http/Request.h"
#include "http/Response.h"

#include <cstdint>
#include <functional>
#include <string>

namespace Nexus {
namespace Idempotency {

/// How stored answers are sealed and opened: the vault's envelope under its
/// keyring (the server wires it, as this layer sits below the vault). seal
/// encrypts plaintext bound to identity; open is its inverse and throws
/// (any std::exception) for a record that does not open.
struct Sealing
{
	std::function<std::string(const std::string& identity, const std::string& plaintext)> seal;
	std::function<std::string(const std::string& identity, const std::string& record)> open;
};

/// Idempotency-Key for the writes that create something (README, "API
/// conventions"): a retry of a request that may have been done already
/// (its answer lost to a 502, a timeout, a crash) gets the first answer
/// instead of a second write.
///
/// For each principal (Principal::label(); every anonymous caller is one
/// principal) a key names one request, by its fingerprint
/// (IdempotencyKey::fingerprint: method, path, query, body), for
/// http.idempotency_retention_s. The key's row in idempotency_keys is the
/// first statement of the write's transaction and gets its answer in the
/// same transaction, so there is never a committed write without its key
/// (a retry would repeat it) nor a key without its write, whenever a
/// worker or the database dies. A second request with the key waits on the
/// row's lock while the first runs; then it replays the answer (the first
/// committed), or does the write itself (the first rolled back).
///
/// Only a 2xx answer is kept: an error wrote nothing (the transaction
/// rolls back), so a retry simply tries again. The answer is sealed with
/// the vault's envelope, bound to the principal and the key: a token issue's
/// answer carries the new token, which must never be at rest in clear.
class Idempotency
{
public:
	/// Sets the sealing and the retention (seconds) for the process. Call
	/// once, before requests are served.
	static void configure(Sealing sealing, std::int64_t retentionSeconds);

	using Work = std::function<Http::Response()>;

	/// Without an Idempotency-Key header: work(), exactly as before. With a
	/// valid one (else Http::BadRequest): inside one transaction (Database::run,
	/// retried as a whole), claims the key, runs work, stores its answer and
	/// commits, returning the answer; or, when the key was used before, the
	/// stored answer (with "Idempotent-Replayed: true"), writing nothing; or
	/// throws Http::Unprocessable (code idempotency_key_reused) when the key
	/// was used for another request.
	///
	/// work runs inside that transaction: the stores it calls join it
	/// (Db::Transaction), so it must do its writes through them and leave out
	/// whatever commits on its own (AuditLog::record, a refusal's audit row:
	/// check access before), and whatever must follow the commit (an
	/// Invalidation::bump: repeat it after once() returns). Its 2xx answer must
	/// be a built body, not a streamed one.
	///
	/// On the way, now and then (once a minute per process), deletes expired
	/// rows, at most kPurgeBatch at a time.
	static Http::Response once(const Http::Request& request, const Auth::Principal& principal, const Work& work);

	/// How many expired rows one purge deletes at most.
	static constexpr std::size_t kPurgeBatch = 1000;
	/// How often (seconds) a process purges.
	static constexpr std::int64_t kPurgeIntervalS = 60;
};

} // namespace Idempotency
} // namespace Nexus
