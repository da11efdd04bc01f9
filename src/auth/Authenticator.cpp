#include "auth/Authenticator.h"

#include "agents/AgentStore.h"
#include "auth/Token.h"
#include "http/HttpError.h"
#include "http/Request.h"

#include <Poco/String.h>

namespace Nexus {
namespace Auth {

namespace {
const std::size_t kMaxTokenLength = 512;
}

Principal Authenticator::authenticate(const Http::Request& request) const
{
	auto header = request.header("authorization");
	if (!header) return Principal::anonymous();

	const std::string value = Poco::trim(*header);
	if (value.size() < 7 || Poco::icompare(value.substr(0, 7), "bearer ") != 0)
		throw Http::Unauthorized("the Authorization header must be 'Bearer <token>'");
	const std::string token = Poco::trim(value.substr(7));
	if (token.empty() || token.size() > kMaxTokenLength) throw Http::Unauthorized("the bearer token is malformed");

	const std::string hash = Token::sha256Hex(token);
	if (!_adminTokenHash.empty() && Token::constantTimeEquals(hash, _adminTokenHash)) return Principal::admin();
	if (token.rfind(Token::kAgentPrefix, 0) == 0)
	{
		if (auto agent = Agents::AgentStore::findByTokenHash(hash)) return *agent;
	}
	throw Http::Unauthorized("unknown, revoked or expired token");
}

} // namespace Auth
} // namespace Nexus
