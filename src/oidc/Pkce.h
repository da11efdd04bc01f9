#pragma once

#include <cstddef>
#include <string>

namespace Nexus {
namespace Oidc {

/// Proof Key for Code Exchange (RFC 7636) with the S256 method: a login
/// keeps a fresh verifier to itself, sends its challenge with the
/// authorization request and the verifier with the token request, so a
/// stolen authorization code is useless to whoever lacks the verifier.
class Pkce
{
public:
	/// The shortest and longest verifier the RFC allows (section 4.1).
	static constexpr std::size_t kMinVerifierChars = 43;
	static constexpr std::size_t kMaxVerifierChars = 128;
	/// The random bytes a new verifier encodes.
	static constexpr std::size_t kVerifierBytes = 32;

	/// A new code verifier: 32 random bytes (Random::urlSafe), 43
	/// characters. Throws std::runtime_error when the generator fails.
	static std::string newVerifier();

	/// The S256 code challenge of verifier: BASE64URL(SHA-256(verifier)),
	/// without padding. Throws std::invalid_argument when verifier is not
	/// 43 to 128 characters of A-Z a-z 0-9 - . _ ~.
	static std::string challenge(const std::string& verifier);

	/// True when verifier has the RFC's length and alphabet.
	static bool isVerifier(const std::string& verifier);
};

} // namespace Oidc
} // namespace Nexus
