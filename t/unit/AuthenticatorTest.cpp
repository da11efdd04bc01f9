// Authenticator: the admin token, the SSO identity nginx passes, malformed
// headers, and agent tokens through a lookup that stands for the agents'
// store (the store's SQL is tested through nginx: t/agents-tokens.t,
// t/access-policy.t), with and without the token cache (its invalidation
// across a real pool: t/caches.t).
#include "auth/Authenticator.h"
#include "auth/Token.h"
#include "auth/TokenUsage.h"
#include "http/HttpError.h"
#include "http/Request.h"
#include "metrics/Invalidation.h"
#include "util/Hex.h"

#include <Poco/Timespan.h>

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using Nexus::Auth::Authenticator;
using Nexus::Auth::Principal;
using Nexus::Http::Request;
using Nexus::Http::Unauthorized;

using NexusTest::thrown;

namespace {

const std::string kAdminToken = "admin-token-for-this-test-only";
// Built from the prefix at run time, so that no token-shaped literal sits in the tree.
const std::string kAgentToken = std::string(Nexus::Auth::Token::kAgentPrefix) + "fake";

Request request(const std::string& authorization, const std::string& ssoUser)
{
	Request r("GET", "/api/secrets");
	if (!authorization.empty()) r.setHeader("authorization", authorization);
	r.setSsoUser(ssoUser);
	return r;
}

} // namespace

class AuthenticatorTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(AuthenticatorTest);
	CPPUNIT_TEST(testAnonymous);
	CPPUNIT_TEST(testAdmin);
	CPPUNIT_TEST(testSsoUser);
	CPPUNIT_TEST(testSsoRoleComesFromTheRolesParam);
	CPPUNIT_TEST(testBearerWinsOverSsoUser);
	CPPUNIT_TEST(testMalformedSsoUser);
	CPPUNIT_TEST(testMalformedHeader);
	CPPUNIT_TEST(testUnknownToken);
	CPPUNIT_TEST(testAgentTokenIsLookedUpByItsHash);
	CPPUNIT_TEST(testUnknownAgentToken);
	CPPUNIT_TEST(testWithoutCacheEveryRequestAsks);
	CPPUNIT_TEST(testCacheAnswersRepeatedTokens);
	CPPUNIT_TEST(testCacheKeepsUnknownTokensToo);
	CPPUNIT_TEST(testTokensGenerationEmptiesTheCache);
	CPPUNIT_TEST(testAnswerThatRacedWithARevokeIsNotKept);
	CPPUNIT_TEST(testExpiredTokenIsRefusedAsExpired);
	CPPUNIT_TEST(testTokenIsNotCachedPastItsEnd);
	CPPUNIT_TEST(testAgentTokenUseIsRecorded);
	CPPUNIT_TEST(testTokenUseKeptWhenTheWriteFails);
	CPPUNIT_TEST(testCacheIsBounded);
	CPPUNIT_TEST(testCacheUntilStopsAtTheTokensEnd);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_asked.clear();
		_revoked = false;
		_expiresAt.reset();
		_auth = new Authenticator(Nexus::Digest::sha256Hex(kAdminToken), lookup());
	}
	void tearDown() override { delete _auth; }

	void testAnonymous() { CPPUNIT_ASSERT(_auth->authenticate(request("", "")).isAnonymous()); }

	void testAdmin()
	{
		CPPUNIT_ASSERT(_auth->authenticate(request("Bearer " + kAdminToken, "")).isAdmin());
		CPPUNIT_ASSERT(_auth->authenticate(request("bearer  " + kAdminToken + " ", "")).isAdmin());
	}

	void testSsoUser()
	{
		const Principal p = _auth->authenticate(request("", "alice@studio.example"));
		CPPUNIT_ASSERT(p.isUser());
		CPPUNIT_ASSERT_EQUAL(std::string("user:alice@studio.example"), p.label());
	}

	void testSsoRoleComesFromTheRolesParam()
	{
		Request r = request("", "alice");
		CPPUNIT_ASSERT(_auth->authenticate(r).role == Principal::Role::Viewer);
		r.setSsoRoles("viewer, admin");
		CPPUNIT_ASSERT(_auth->authenticate(r).role == Principal::Role::Admin);
		r.setSsoRoles("administrator");
		CPPUNIT_ASSERT(_auth->authenticate(r).role == Principal::Role::Viewer);
		CPPUNIT_ASSERT_EQUAL(std::string("user:alice"), _auth->authenticate(r).label());
	}

	void testBearerWinsOverSsoUser()
	{
		CPPUNIT_ASSERT(_auth->authenticate(request("Bearer " + kAdminToken, "alice")).isAdmin());
		// A bad token is not rescued by the SSO identity.
		thrown<Unauthorized>([this] { _auth->authenticate(request("Bearer wrong", "alice")); }, CPPUNIT_SOURCELINE());
	}

	void testMalformedSsoUser()
	{
		for (const std::string& bad : {std::string("al ice"), std::string("al\nice"), std::string("\x7f"),
		                               std::string(257, 'a'), std::string("caf\xc3\xa9")})
			thrown<Unauthorized>([this, &bad] { _auth->authenticate(request("", bad)); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(_auth->authenticate(request("", std::string(256, 'a'))).isUser());
	}

	void testMalformedHeader()
	{
		for (const std::string& bad : {std::string("Basic abc"), std::string("Bearer"), std::string("Bearer "),
		                               "Bearer " + std::string(513, 'x')})
			thrown<Unauthorized>([this, &bad] { _auth->authenticate(request(bad, "")); }, CPPUNIT_SOURCELINE());
	}

	void testUnknownToken()
	{
		// Not an agent token (no nxa_ prefix) and not the admin's: refused without a database.
		const auto e = thrown<Unauthorized>([this] { _auth->authenticate(request("Bearer not-the-admin", "")); },
		                                    CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(401, e.status());
		CPPUNIT_ASSERT(_asked.empty());
	}

	void testAgentTokenIsLookedUpByItsHash()
	{
		const Principal p = _auth->authenticate(request("Bearer " + kAgentToken, "alice"));
		CPPUNIT_ASSERT(p.isAgent());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(7), p.agentId);
		CPPUNIT_ASSERT_EQUAL(std::string("scout"), p.name);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _asked.size());
		CPPUNIT_ASSERT_EQUAL(Nexus::Digest::sha256Hex(kAgentToken), _asked[0]);
	}

	void testUnknownAgentToken()
	{
		const auto e = thrown<Unauthorized>(
		    [this] {
			    _auth->authenticate(request("Bearer " + std::string(Nexus::Auth::Token::kAgentPrefix) + "revoked", ""));
		    },
		    CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(401, e.status());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _asked.size());
	}

	void testWithoutCacheEveryRequestAsks()
	{
		for (int i = 0; i < 3; ++i) _auth->authenticate(request("Bearer " + kAgentToken, ""));
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _asked.size());
	}

	void testCacheAnswersRepeatedTokens()
	{
		Authenticator cached = caching({60000, 60000, 100});
		for (int i = 0; i < 5; ++i)
		{
			const Principal p = cached.authenticate(request("Bearer " + kAgentToken, ""));
			CPPUNIT_ASSERT_EQUAL(std::string("agent:scout"), p.label());
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _asked.size());
		// The admin token never reaches the lookup or the cache.
		CPPUNIT_ASSERT(cached.authenticate(request("Bearer " + kAdminToken, "")).isAdmin());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _asked.size());
	}

	void testCacheKeepsUnknownTokensToo()
	{
		Authenticator cached = caching({60000, 60000, 100});
		const std::string bad = "Bearer " + std::string(Nexus::Auth::Token::kAgentPrefix) + "unknown";
		for (int i = 0; i < 4; ++i)
			thrown<Unauthorized>([&] { cached.authenticate(request(bad, "")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _asked.size());

		// With the negative half off, each unknown token is asked again.
		_asked.clear();
		Authenticator positiveOnly = caching({60000, 0, 100});
		for (int i = 0; i < 3; ++i)
			thrown<Unauthorized>([&] { positiveOnly.authenticate(request(bad, "")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _asked.size());
	}

	void testTokensGenerationEmptiesTheCache()
	{
		Authenticator cached = caching({60000, 60000, 100});
		cached.authenticate(request("Bearer " + kAgentToken, ""));
		// A revoke: the store deletes the token, then bumps the generation.
		_revoked = true;
		Nexus::Invalidation::bump(Nexus::Invalidation::Topic::Tokens);
		thrown<Unauthorized>([&] { cached.authenticate(request("Bearer " + kAgentToken, "")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _asked.size());
		// Other topics leave tokens alone.
		_revoked = false;
		Nexus::Invalidation::bump(Nexus::Invalidation::Topic::Tokens);
		cached.authenticate(request("Bearer " + kAgentToken, ""));
		Nexus::Invalidation::bump(Nexus::Invalidation::Topic::Profiles);
		cached.authenticate(request("Bearer " + kAgentToken, ""));
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _asked.size());
	}

	void testAnswerThatRacedWithARevokeIsNotKept()
	{
		// The lookup answers "active", and the revoke commits and bumps before
		// the answer is stored: the next request must ask again.
		Authenticator cached(Nexus::Digest::sha256Hex(kAdminToken),
		                     [this](const std::string& hash) -> std::optional<Nexus::Auth::AgentGrant> {
			                     _asked.push_back(hash);
			                     if (_asked.size() == 1)
			                     {
				                     Nexus::Invalidation::bump(Nexus::Invalidation::Topic::Tokens);
				                     return Nexus::Auth::AgentGrant{Principal::agent(7, "scout"), std::nullopt};
			                     }
			                     return std::nullopt;
		                     },
		                     {60000, 60000, 100});
		CPPUNIT_ASSERT(cached.authenticate(request("Bearer " + kAgentToken, "")).isAgent());
		thrown<Unauthorized>([&] { cached.authenticate(request("Bearer " + kAgentToken, "")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _asked.size());
	}

	void testExpiredTokenIsRefusedAsExpired()
	{
		_expiresAt = Poco::Timestamp() - Poco::Timespan(1, 0);
		const auto e = thrown<Unauthorized>([this] { _auth->authenticate(request("Bearer " + kAgentToken, "")); },
		                                    CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::string("the token has expired"), std::string(e.what()));
		// An unknown token is told apart, and nothing else is said of either.
		const auto unknown = thrown<Unauthorized>(
		    [this] { _auth->authenticate(request("Bearer " + kAgentToken + "x", "")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::string("unknown or revoked token"), std::string(unknown.what()));
		// Cached as a refusal: the second time says the same without asking.
		Authenticator cached = caching({60000, 60000, 100});
		_asked.clear();
		for (int i = 0; i < 2; ++i)
		{
			const auto again = thrown<Unauthorized>([&] { cached.authenticate(request("Bearer " + kAgentToken, "")); },
			                                        CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL(std::string("the token has expired"), std::string(again.what()));
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _asked.size());
	}

	void testTokenIsNotCachedPastItsEnd()
	{
		// A token about to end is trusted now but not kept past its end.
		_expiresAt = Poco::Timestamp() + Poco::Timespan(0, 1000);
		Authenticator cached = caching({60000, 0, 100});
		cached.authenticate(request("Bearer " + kAgentToken, ""));
		while (Poco::Timestamp() < *_expiresAt) std::this_thread::sleep_for(std::chrono::milliseconds(1));
		thrown<Unauthorized>([&] { cached.authenticate(request("Bearer " + kAgentToken, "")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _asked.size());
		// One far in the future is kept as long as the cache keeps anything.
		_expiresAt = Poco::Timestamp() + Poco::Timespan(3600, 0);
		cached.authenticate(request("Bearer " + kAgentToken, ""));
		cached.authenticate(request("Bearer " + kAgentToken, ""));
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), _asked.size());
	}

	void testCacheUntilStopsAtTheTokensEnd()
	{
		using Clock = Nexus::ExpiringCache<Principal>::Clock;
		const Clock::time_point now = Clock::now();
		CPPUNIT_ASSERT(Nexus::Auth::cacheUntil(now, 1000, std::nullopt) == now + std::chrono::milliseconds(1000));
		// A token that ends in about 0.2 s: no later than that.
		const auto soon = Nexus::Auth::cacheUntil(now, 1000, Poco::Timestamp() + Poco::Timestamp::TimeDiff{200} * 1000);
		CPPUNIT_ASSERT(soon <= now + std::chrono::milliseconds(201));
		// A token past its end: not at all.
		CPPUNIT_ASSERT(Nexus::Auth::cacheUntil(now, 1000, Poco::Timestamp() - 1000) <= now);
		// The TTL when it ends first.
		CPPUNIT_ASSERT(Nexus::Auth::cacheUntil(now, 50, Poco::Timestamp() + 3600 * Poco::Timestamp::resolution()) ==
		               now + std::chrono::milliseconds(50));
	}

	void testAgentTokenUseIsRecorded()
	{
		std::vector<std::vector<std::string>> written;
		Nexus::Auth::TokenUsage usage(
		    [&written](const std::vector<std::string>& hashes, const Poco::Timestamp&) { written.push_back(hashes); },
		    60000);
		Authenticator auth(Nexus::Digest::sha256Hex(kAdminToken), lookup(), {}, &usage);
		for (int i = 0; i < 5; ++i) auth.authenticate(request("Bearer " + kAgentToken, ""));
		auth.authenticate(request("Bearer " + kAdminToken, ""));
		thrown<Unauthorized>([&] { auth.authenticate(request("Bearer " + kAgentToken + "x", "")); },
		                     CPPUNIT_SOURCELINE());
		// Five uses of one token are one hash to write; the admin's and a bad token's are none.
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), usage.pending());
		CPPUNIT_ASSERT(written.empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), usage.flush());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), written.size());
		CPPUNIT_ASSERT(written[0] == std::vector<std::string>{Nexus::Digest::sha256Hex(kAgentToken)});
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), usage.pending());
	}

	void testTokenUseKeptWhenTheWriteFails()
	{
		bool fail = true;
		std::size_t writes = 0;
		Nexus::Auth::TokenUsage usage(
		    [&](const std::vector<std::string>&, const Poco::Timestamp&) {
			    ++writes;
			    if (fail) throw std::runtime_error("database down");
		    },
		    60000);
		usage.record(std::string(64, 'a'));
		usage.record(std::string(64, 'b'));
		thrown<std::runtime_error>([&] { usage.flush(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), usage.pending());
		fail = false;
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), usage.flush());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), writes); // one statement per batch, not per hash
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), usage.flush());
	}

	void testCacheIsBounded()
	{
		// A flood of distinct bad tokens fills a bounded cache and the good one is asked again.
		Authenticator cached = caching({60000, 60000, 8});
		cached.authenticate(request("Bearer " + kAgentToken, ""));
		for (int i = 0; i < 8; ++i)
			thrown<Unauthorized>(
			    [&] {
				    cached.authenticate(
				        request("Bearer " + std::string(Nexus::Auth::Token::kAgentPrefix) + std::to_string(i), ""));
			    },
			    CPPUNIT_SOURCELINE());
		cached.authenticate(request("Bearer " + kAgentToken, ""));
		CPPUNIT_ASSERT_EQUAL(std::size_t(10), _asked.size());
	}

private:
	/// An authenticator with a token cache over the same lookup as _auth.
	Authenticator caching(Nexus::Auth::TokenCacheSettings settings)
	{
		return Authenticator(Nexus::Digest::sha256Hex(kAdminToken), lookup(), settings);
	}

	Authenticator::AgentLookup lookup()
	{
		return [this](const std::string& hash) -> std::optional<Nexus::Auth::AgentGrant> {
			_asked.push_back(hash);
			if (!_revoked && hash == Nexus::Digest::sha256Hex(kAgentToken))
				return Nexus::Auth::AgentGrant{Principal::agent(7, "scout"), _expiresAt};
			return std::nullopt;
		};
	}

	Authenticator* _auth = nullptr;
	std::vector<std::string> _asked;
	bool _revoked = false;
	std::optional<Poco::Timestamp> _expiresAt;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthenticatorTest);
