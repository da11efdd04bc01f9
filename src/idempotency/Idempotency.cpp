#include "idempotency/Idempotency.h"

#include "db/Database.h"
#include "http/HttpError.h"
#include "idempotency/IdempotencyKey.h"
#include "idempotency/IdempotencyStore.h"
#include "idempotency/StoredAnswer.h"
#include "util/Hex.h"
#include "util/Periodic.h"
#include "util/Wiper.h"

#include <Poco/Logger.h>

#include <cppconn/exception.h>

#include <ctime>
#include <optional>

namespace Nexus {
namespace Idempotency {

namespace {

Sealing gSealing;
std::int64_t gRetentionS = 86400;

Periodic& purges()
{
	static Periodic periodic(Idempotency::kPurgeIntervalS);
	return periodic;
}

/// Deletes a batch of expired rows when this process's interval has passed.
/// A purge that fails is logged and left to the next one: it must not fail
/// the write that carried it.
void purgeNowAndThen(const Poco::Timestamp& now)
{
	if (!purges().due(static_cast<std::int64_t>(now.epochTime()))) return;
	try
	{
		IdempotencyStore::purgeExpired(now, Idempotency::kPurgeBatch);
	}
	catch (const std::exception& e)
	{
		Poco::Logger::get("http").warning("purging expired idempotency keys failed: %s", std::string(e.what()));
	}
}

std::string seal(const std::string& identity, std::string plaintext)
{
	Wiper wiper(plaintext);
	if (!gSealing.seal) throw std::logic_error("Idempotency::configure was not called");
	try
	{
		return gSealing.seal(identity, plaintext);
	}
	catch (const std::exception& e)
	{
		Poco::Logger::get("http").error("cannot seal an idempotent answer: %s", std::string(e.what()));
		throw Http::Unavailable("the vault keyring, which seals the answers kept for Idempotency-Key, is not "
		                        "available; nothing was changed");
	}
}

/// The stored answer of record, which must open under identity.
StoredAnswer open(const std::string& identity, const std::string& record)
{
	if (!gSealing.open) throw std::logic_error("Idempotency::configure was not called");
	std::string plaintext;
	try
	{
		plaintext = gSealing.open(identity, record);
	}
	catch (const std::exception& e)
	{
		Poco::Logger::get("http").error("an idempotency key's stored answer does not open: %s", std::string(e.what()));
		throw Http::HttpError(500, "internal",
		                      "the answer kept for this Idempotency-Key cannot be opened (its vault key is no longer "
		                      "in the keyring?); use a new key to repeat the request");
	}
	Wiper wiper(plaintext);
	return StoredAnswer::decode(plaintext);
}

} // namespace

void Idempotency::configure(Sealing sealing, std::int64_t retentionSeconds)
{
	gSealing = std::move(sealing);
	gRetentionS = retentionSeconds < 1 ? 1 : retentionSeconds;
}

Http::Response Idempotency::once(const Http::Request& request, const Auth::Principal& principal, const Work& work)
{
	const std::optional<std::string> key = IdempotencyKey::of(request);
	if (!key) return work();
	const std::string fingerprint = IdempotencyKey::fingerprint(request);
	const std::string label = principal.label();
	const std::string principalHash = Digest::sha256Hex(label);
	const std::string identity = IdempotencyKey::identity(label, *key);
	purgeNowAndThen(Poco::Timestamp());

	return Db::Database::run([&]() -> Http::Response {
		Db::Transaction tx;
		const Poco::Timestamp now;
		const Poco::Timestamp expires = now + gRetentionS * Poco::Timestamp::resolution();
		if (const auto record = IdempotencyStore::claim(principalHash, *key, now, expires))
		{
			// Done before: the first answer, and nothing written (tx rolls back).
			StoredAnswer first = open(identity, *record);
			Wiper wiper(first.body);
			if (first.fingerprint != fingerprint)
				throw Http::HttpError(422, "idempotency_key_reused",
				                      "this Idempotency-Key was used for another request (method, path, query or "
				                      "body differ) within the retention window; use a new key for a new request");
			return first.replay();
		}
		Http::Response response = work();
		// An error changed nothing (tx rolls back, and the key with it).
		if (response.status() < 200 || response.status() > 299) return response;
		StoredAnswer answer = StoredAnswer::of(fingerprint, response);
		Wiper wiper(answer.body);
		IdempotencyStore::answer(principalHash, *key, seal(identity, answer.encode()));
		tx.commit();
		return response;
	});
}

} // namespace Idempotency
} // namespace Nexus
