#include "auth/Authenticator.h"

#include "auth/Token.h"
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

Authenticator::Authenticator(std::string adminTokenHash, AgentLookup findAgent, TokenCacheSettings cache):
    _adminTokenHash(std::move(adminTokenHash)), _findAgent(std::move(findAgent)), _cacheSettings(cache)
{
	if (cache.knownMs > 0 || cache.unknownMs > 0)
		_cache = std::make_unique<ExpiringCache<std::optional<Principal>>>(cache.maxEntries);
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

std::optional<Principal> Authenticator::findAgent(const std::string& hash) const
{
	if (!_cache)
	{
		auto grant = _findAgent(hash);
		return grant ? std::optional<Principal>(std::move(grant->agent)) : std::nullopt;
	}
	using Clock = ExpiringCache<std::optional<Principal>>::Clock;
	// Read before the database is asked: an answer that races with a revoke is not kept.
	const std::uint64_t generation = Invalidation::generation(Invalidation::Topic::Tokens);
	const Clock::time_point now = Clock::now();
	if (auto cached = _cache->find(hash, generation, now)) return *cached;
	const std::optional<AgentGrant> grant = _findAgent(hash);
	if (!grant)
	{
		if (_cacheSettings.unknownMs > 0)
			_cache->store(hash, std::nullopt, generation, now + std::chrono::milliseconds(_cacheSettings.unknownMs));
		return std::nullopt;
	}
	if (_cacheSettings.knownMs > 0)
	{
		const Clock::time_point until = cacheUntil(now, _cacheSettings.knownMs, grant->expiresAt);
		if (until > now) _cache->store(hash, grant->agent, generation, until);
	}
	return grant->agent;
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
		if (auto agent = findAgent(hash)) return *agent;
	}
	throw Http::Unauthorized("unknown, revoked or expired token");
}

} // namespace Auth
} // namespace Nexus
