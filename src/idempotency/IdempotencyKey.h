#pragma once

#include "http/Request.h"

#include <optional>
#include <string>

namespace Nexus {
namespace Idempotency {

/// The pure half of the Idempotency-Key header: what a valid key is, and
/// what makes two requests "the same request" (no database, no keyring).
class IdempotencyKey
{
public:
	/// The longest key, in characters.
	static constexpr std::size_t kMaxChars = 255;

	/// Whether text is a key: 1 to kMaxChars visible ASCII characters
	/// (0x21 to 0x7e; no space, no control character, nothing else).
	static bool valid(const std::string& text);

	/// The request's Idempotency-Key, or nullopt when it has none. Throws
	/// Http::BadRequest naming the header when it is present but not valid().
	static std::optional<std::string> of(const Http::Request& request);

	/// The request's fingerprint: SHA-256 (lower-case hex) over its method,
	/// raw path, raw query string and body, each length-prefixed so that no
	/// two different requests share the text that is hashed. Two requests
	/// with the same key and fingerprint are the same request (a retry).
	static std::string fingerprint(const Http::Request& request);

	/// The bytes a stored answer is sealed to (the envelope's identity):
	/// the principal's label and the key, length-prefixed after a tag that
	/// no secret version's identity starts with, so a stored answer copied
	/// to another principal's row, another key, or a secret does not open.
	static std::string identity(const std::string& principalLabel, const std::string& key);
};

} // namespace Idempotency
} // namespace Nexus
