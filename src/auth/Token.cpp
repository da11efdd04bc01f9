#include "auth/Token.h"

#include "util/Random.h"

#include <openssl/crypto.h>

namespace Nexus {
namespace Auth {

std::string Token::generateAgentToken()
{
	return std::string(kAgentPrefix) + Random::urlSafe(32);
}

bool Token::isHash(const std::string& s)
{
	if (s.size() != 64) return false;
	for (char c : s)
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
	return true;
}

bool Token::constantTimeEquals(const std::string& a, const std::string& b)
{
	if (a.size() != b.size()) return false;
	return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace Auth
} // namespace Nexus
