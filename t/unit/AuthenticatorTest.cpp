// Authenticator: the admin token, the SSO identity nginx passes, malformed
// headers, and agent tokens through a lookup that stands for the agents'
// store (the store's SQL is tested through nginx: t/agents-tokens.t,
// t/access-policy.t).
#include "auth/Authenticator.h"
#include "auth/Token.h"
#include "http/HttpError.h"
#include "http/Request.h"
#include "util/Hex.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <cstdint>
#include <optional>
#include <string>
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
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_asked.clear();
		_auth = new Authenticator(Nexus::Digest::sha256Hex(kAdminToken),
		                          [this](const std::string& hash) -> std::optional<Principal> {
			                          _asked.push_back(hash);
			                          if (hash == Nexus::Digest::sha256Hex(kAgentToken))
				                          return Principal::agent(7, "scout");
			                          return std::nullopt;
		                          });
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

private:
	Authenticator* _auth = nullptr;
	std::vector<std::string> _asked;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthenticatorTest);
