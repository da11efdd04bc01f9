#include "auth/Authenticator.h"

#include "auth/Token.h"
#include "auth/TokenUsage.h"
#include "http/HttpError.h"
#include "http/Request.h"
#include "metrics/Invalidation.h"
#include "util/Hex.h"

#include <Poco/String.h>

#include <algorithm>
#include <chrono>

namespace Nexus {
namespace Auth {

namespace {
const std::size_t kMaxTokenLength = 512;
const std::size_t kMaxUserLength = 256;

/// The SSO user id nginx passed, checked: printable ASCII, no spaces. roles:
/// the comma-separated roles nginx passed with it; "admin" among them makes
/// an admin user, anything else a viewer.
Principal ssoUser(const std::string& id, const std::string& roles, const std::string& encodedName)
{
	bool printable = id.size() <= kMaxUserLength;
	for (unsigned char c : id) printable = printable && c > 0x20 && c < 0x7f;
	if (!printable) throw Http::Unauthorized("the SSO identity nginx passed is malformed");
	Principal::Role role = Principal::Role::Viewer;
	std::size_t start = 0;
	while (start <= roles.size())
	{
		auto comma = roles.find(',', start);
		if (comma == std::string::npos) comma = roles.size();
		if (Poco::trim(roles.substr(start, comma - start)) == "admin") role = Principal::Role::Admin;
		start = comma + 1;
	}
	Principal user = Principal::user(id, role);
	try
	{
		user.displayName = Http::Request::percentDecode(encodedName, false, "the SSO name");
		if (user.displayName.size() > kMaxUserLength) user.displayName.clear();
	}
	catch (const Http::HttpError&)
	{
		user.displayName.clear(); // only a label: the id still identifies the user
	}
	return user;
}
} // namespace

Authenticator::Authenticator(std::string adminTokenHash, AgentLookup findAgent, TokenCacheSettings cache,
                             TokenUsage* usage):
    _adminTokenHash(std::move(adminTokenHash)),
    _findAgent(std::move(findAgent)), _cacheSettings(cache), _usage(usage)
{
	if (cache.knownMs > 0 || cache.unknownMs > 0) _cache = std::make_unique<ExpiringCache<Answer>>(cache.maxEntries);
}

ExpiringCache<Principal>::Clock::time_point cacheUntil(ExpiringCache<Principal>::Clock::time_point now, int ttlMs,
                                                       const std::optional<Poco::Timestamp>& expiresAt)
{
	auto until = now + std::chrono::milliseconds(ttlMs);
	if (expiresAt)
	{
		const Poco::Timestamp::TimeDiff left = *expiresAt - Poco::Timestamp();
		until = std::min(until, now + std::chrono::microseconds(std::max<Poco::Timestamp::TimeDiff>(left, 0)));
	}
	return until;
}

Authenticator::Answer Authenticator::findAgent(const std::string& hash) const
{
	using Clock = ExpiringCache<Answer>::Clock;
	// Read before the database is asked: an answer that races with a revoke is not kept.
	const std::uint64_t generation = Invalidation::generation(Invalidation::Topic::Tokens);
	const Clock::time_point now = Clock::now();
	if (_cache)
		if (auto cached = _cache->find(hash, generation, now)) return *cached;
	const std::optional<AgentGrant> grant = _findAgent(hash);
	Answer answer;
	Poco::Timestamp::TimeDiff left = 0;
	if (grant)
	{
		if (grant->expiresAt) left = *grant->expiresAt - Poco::Timestamp();
		if (grant->expiresAt && left <= 0)
			answer.expired = true;
		else
			answer.agent = grant->agent;
	}
	if (!_cache) return answer;
	if (!answer.agent)
	{
		// Unknown, revoked or expired: none of them comes back.
		if (_cacheSettings.unknownMs > 0)
			_cache->store(hash, answer, generation, now + std::chrono::milliseconds(_cacheSettings.unknownMs));
		return answer;
	}
	if (_cacheSettings.knownMs > 0)
	{
		// Never past the token's own end (a lifetime, a rotated token's grace period).
		const Clock::time_point until = cacheUntil(now, _cacheSettings.knownMs, grant->expiresAt);
		if (until > now) _cache->store(hash, answer, generation, until);
	}
	return answer;
}

std::optional<std::string> Authenticator::bearer(const Http::Request& request)
{
	auto header = request.header("authorization");
	if (!header) return std::nullopt;
	const std::string value = Poco::trim(*header);
	if (value.size() < 7 || Poco::icompare(value.substr(0, 7), "bearer ") != 0)
		throw Http::Unauthorized("the Authorization header must be 'Bearer <token>'");
	std::string token = Poco::trim(value.substr(7));
	if (token.empty() || token.size() > kMaxTokenLength) throw Http::Unauthorized("the bearer token is malformed");
	return token;
}

std::optional<std::string> Authenticator::agentTokenHash(const Http::Request& request) const
{
	try
	{
		auto token = bearer(request);
		if (!token || token->rfind(Token::kAgentPrefix, 0) != 0) return std::nullopt;
		return Digest::sha256Hex(*token);
	}
	catch (const Http::HttpError&)
	{
		return std::nullopt; // the normal path reports it
	}
}

Principal Authenticator::authenticate(const Http::Request& request) const
{
	const auto token = bearer(request);
	if (!token)
		return request.ssoUser().empty() ? Principal::anonymous()
		                                 : ssoUser(request.ssoUser(), request.ssoRoles(), request.ssoName());
	const std::string hash = Digest::sha256Hex(*token);
	if (!_adminTokenHash.empty() && Token::constantTimeEquals(hash, _adminTokenHash)) return Principal::admin();
	if (token->rfind(Token::kAgentPrefix, 0) == 0)
	{
		const Answer answer = findAgent(hash);
		if (answer.agent)
		{
			if (_usage) _usage->record(hash);
			return *answer.agent;
		}
		if (answer.expired) throw Http::Unauthorized("the token has expired");
	}
	throw Http::Unauthorized("unknown or revoked token");
}

} // namespace Auth
} // namespace Nexus
