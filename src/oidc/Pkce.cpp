#include "oidc/Pkce.h"

#include "util/Base64.h"
#include "util/Random.h"

#include <Poco/Crypto/DigestEngine.h>

#include <stdexcept>

namespace Nexus {
namespace Oidc {

std::string Pkce::newVerifier()
{
	return Random::urlSafe(kVerifierBytes);
}

std::string Pkce::challenge(const std::string& verifier)
{
	if (!isVerifier(verifier)) throw std::invalid_argument("not a PKCE code verifier");
	Poco::Crypto::DigestEngine sha256("SHA256");
	sha256.update(verifier);
	const Poco::DigestEngine::Digest& digest = sha256.digest();
	return Base64::encode(std::string(digest.begin(), digest.end()), Base64::kUrl);
}

bool Pkce::isVerifier(const std::string& verifier)
{
	if (verifier.size() < kMinVerifierChars || verifier.size() > kMaxVerifierChars) return false;
	for (char c : verifier)
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_' || c == '~'))
			return false;
	return true;
}

} // namespace Oidc
} // namespace Nexus
