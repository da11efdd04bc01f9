#include "auth/Token.h"

#include "util/Base64.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace Nexus {
namespace Auth {

std::string Token::generateAgentToken()
{
	return std::string(kAgentPrefix) + randomBase64Url(32);
}

std::string Token::randomBase64Url(std::size_t n)
{
	std::vector<unsigned char> bytes(n);
	if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1) throw std::runtime_error("random generator failed");
	std::string raw(bytes.begin(), bytes.end());
	OPENSSL_cleanse(bytes.data(), bytes.size());
	std::string encoded = Base64::encode(raw, Base64::kUrl);
	OPENSSL_cleanse(&raw[0], raw.size());
	return encoded;
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
