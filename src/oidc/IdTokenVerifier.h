#pragma once

#include "oidc/ClientSettings.h"
#include "oidc/Jwks.h"

#include <Poco/Timestamp.h>

#include <set>
#include <string>
#include <vector>

namespace Nexus {
namespace Oidc {

/// Who signed in, from a verified ID token. Strings the token leaves out
/// (or gives another JSON type) are empty.
struct Claims
{
	std::string subject; ///< "sub": the user's stable id at the provider, never empty
	std::string name;
	std::string preferredUsername; ///< "preferred_username"
	std::string email;
	bool emailVerified = false; ///< "email_verified" is JSON true
	std::string picture;
	/// The strings of the groups claim (ClientSettings::groupsClaim), in
	/// its order; empty when the token has no such claim.
	std::vector<std::string> groups;
};

/// Verifies ID tokens (OpenID Connect Core 1.0, section 3.1.3.7) for one
/// client: the signature, with Poco::JWT and a key of the provider's JWKS,
/// then the claims. Holds only settings, so one verifier serves every
/// thread.
///
/// Signatures: RS256, RS384, RS512 (RSA keys) and ES256 (P-256 keys) only,
/// the algorithm read from the token's header and bound to the key's type
/// (and to the JWK's "alg", when it names one). "none" and the HMAC
/// algorithms are refused before any key is looked at: an HS256 token
/// "signed" with the provider's public key as the secret is the classic
/// key-confusion forgery. A header with "crit" is refused.
///
/// Claims: iss equals the issuer; aud is the client id or an array holding
/// it, and when that array names anyone else, azp must be the client id
/// (as it must whenever it is present); exp is after now - leeway; iat and
/// nbf (when present) are before now + leeway; nonce equals the expected
/// one; sub is a non-empty string.
class IdTokenVerifier
{
public:
	/// Longer tokens are refused unread.
	static constexpr std::size_t kMaxTokenBytes = std::size_t{64} * 1024;

	/// The signature algorithms accepted.
	static const std::set<std::string>& algorithms();

	/// Keeps issuer, clientId, leewaySeconds and groupsClaim. Throws
	/// ConfigurationError when issuer, clientId or groupsClaim is empty or
	/// leewaySeconds is negative.
	explicit IdTokenVerifier(const ClientSettings& settings);

	/// The claims of idToken when it passes every check above against keys
	/// at time now. expectedNonce is the nonce this login sent; an empty one
	/// matches no token. Throws UnknownKey when keys has no key for the
	/// token's kid and algorithm (refetch the JWKS once and call again),
	/// TokenRejected for every other failure; the message names the check,
	/// never the token.
	Claims verify(const std::string& idToken, const Jwks& keys, const std::string& expectedNonce,
	              const Poco::Timestamp& now = Poco::Timestamp()) const;

private:
	std::string _issuer;
	std::string _clientId;
	int _leewaySeconds;
	std::string _groupsClaim;
};

} // namespace Oidc
} // namespace Nexus
