// Authenticator: the parts that need no database (the admin token, the SSO
// identity nginx passes, malformed headers). Agent tokens are looked up in
// MySQL and tested through nginx (t/agents-tokens.t, t/access-policy.t).
#include "auth/Authenticator.h"
#include "auth/Token.h"
#include "http/HttpError.h"
#include "http/Request.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Auth::Authenticator;
using Nexus::Auth::Principal;
using Nexus::Http::Request;
using Nexus::Http::Unauthorized;

using NexusTest::thrown;

namespace {

const std::string kAdminToken = "admin-token-for-this-test-only";

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
	CPPUNIT_TEST(testBearerWinsOverSsoUser);
	CPPUNIT_TEST(testMalformedSsoUser);
	CPPUNIT_TEST(testMalformedHeader);
	CPPUNIT_TEST(testUnknownToken);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _auth = new Authenticator(Nexus::Auth::Token::sha256Hex(kAdminToken)); }
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
	}

private:
	Authenticator* _auth = nullptr;
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthenticatorTest);
