#pragma once

#include "http/Response.h"

#include <string>

namespace Nexus {
namespace Idempotency {

/// The first answer to a keyed request, as it is kept (sealed) for the
/// retries: the request's fingerprint and the response's status, content
/// type, headers and body. Pure: encode() and decode() are the bytes that
/// the vault's envelope seals, nothing else.
struct StoredAnswer
{
	std::string fingerprint; ///< IdempotencyKey::fingerprint of the first request
	int status = 0;
	std::string contentType;
	Http::Response::Headers headers;
	std::string body;
	bool secret = false; ///< the body holds a secret (Response::secretJson): wiped after use

	/// What to keep of response (built, not streamed) for a request with this fingerprint.
	static StoredAnswer of(const std::string& fingerprint, const Http::Response& response);

	/// The response a retry gets: the first one's status, headers and body,
	/// plus "Idempotent-Replayed: true".
	Http::Response replay() const;

	/// The bytes to seal: a version tag, then each field length-prefixed.
	std::string encode() const;

	/// encode()'s inverse. Throws std::invalid_argument for bytes it did not make.
	static StoredAnswer decode(const std::string& bytes);
};

} // namespace Idempotency
} // namespace Nexus
