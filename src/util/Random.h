#pragma once

#include <cstddef>
#include <string>

namespace Nexus {

/// Unguessable values as URL-safe text: agent tokens, a login's state,
/// nonce and PKCE verifier, session cookies, request ids.
class Random
{
public:
	/// 32 bytes: 256 bits, beyond guessing for as long as a login lasts.
	static constexpr std::size_t kDefaultBytes = 32;

	/// bytes from OpenSSL's CSPRNG as base64url without padding (43
	/// characters for 32 bytes), safe in a URL, a cookie and a form.
	/// Throws std::runtime_error when the generator fails.
	static std::string urlSafe(std::size_t bytes = kDefaultBytes);

	/// Fills size bytes at out from the same generator (keys, nonces).
	/// Throws std::runtime_error when the generator fails.
	static void fill(unsigned char* out, std::size_t size);
};

} // namespace Nexus
