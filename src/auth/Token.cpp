#include "auth/Token.h"

#include "util/Random.h"
#include "util/Wiper.h"

#include <Poco/DigestEngine.h>

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
	// Poco compares byte vectors; the copies may be credentials, so they are wiped.
	Poco::DigestEngine::Digest x(a.begin(), a.end());
	Poco::DigestEngine::Digest y(b.begin(), b.end());
	const bool equal = Poco::DigestEngine::constantTimeEquals(x, y);
	Wiper::wipe(x.data(), x.size());
	Wiper::wipe(y.data(), y.size());
	return equal;
}

} // namespace Auth
} // namespace Nexus
