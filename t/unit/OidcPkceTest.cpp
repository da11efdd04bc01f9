// Pkce: RFC 7636's S256 challenge and the code verifier's shape.
#include "oidc/Pkce.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <stdexcept>
#include <string>

using Nexus::Oidc::Pkce;

using NexusTest::thrown;

using NexusTest::isBase64UrlAlphabet;

class OidcPkceTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OidcPkceTest);
	CPPUNIT_TEST(testChallengeOfRfc7636AppendixB);
	CPPUNIT_TEST(testChallengeHasNoPadding);
	CPPUNIT_TEST(testVerifierIs43UrlSafeCharacters);
	CPPUNIT_TEST(testVerifiersDiffer);
	CPPUNIT_TEST(testVerifierRulesOfRfc7636);
	CPPUNIT_TEST(testChallengeRefusesWhatIsNoVerifier);
	CPPUNIT_TEST_SUITE_END();

public:
	void testChallengeOfRfc7636AppendixB()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
		                     Pkce::challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
	}

	void testChallengeHasNoPadding()
	{
		const std::string challenge = Pkce::challenge(Pkce::newVerifier());
		CPPUNIT_ASSERT_EQUAL(std::size_t(43), challenge.size());
		CPPUNIT_ASSERT(isBase64UrlAlphabet(challenge));
	}

	void testVerifierIs43UrlSafeCharacters()
	{
		const std::string verifier = Pkce::newVerifier();
		CPPUNIT_ASSERT_EQUAL(std::size_t(43), verifier.size());
		CPPUNIT_ASSERT(isBase64UrlAlphabet(verifier));
		CPPUNIT_ASSERT(Pkce::isVerifier(verifier));
	}

	void testVerifiersDiffer()
	{
		std::set<std::string> seen;
		for (int i = 0; i < 100; ++i) seen.insert(Pkce::newVerifier());
		CPPUNIT_ASSERT_EQUAL(std::size_t(100), seen.size());
	}

	void testVerifierRulesOfRfc7636()
	{
		CPPUNIT_ASSERT(Pkce::isVerifier(std::string(43, 'a')));
		CPPUNIT_ASSERT(Pkce::isVerifier(std::string(128, '~')));
		CPPUNIT_ASSERT(Pkce::isVerifier("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"));
		CPPUNIT_ASSERT(!Pkce::isVerifier(std::string(42, 'a')));
		CPPUNIT_ASSERT(!Pkce::isVerifier(std::string(129, 'a')));
		CPPUNIT_ASSERT(!Pkce::isVerifier(std::string(42, 'a') + "+"));
		CPPUNIT_ASSERT(!Pkce::isVerifier(std::string(42, 'a') + "="));
		CPPUNIT_ASSERT(!Pkce::isVerifier(std::string(42, 'a') + " "));
	}

	void testChallengeRefusesWhatIsNoVerifier()
	{
		thrown<std::invalid_argument>([] { Pkce::challenge("short"); }, CPPUNIT_SOURCELINE());
		thrown<std::invalid_argument>([] { Pkce::challenge(std::string(43, '/')); }, CPPUNIT_SOURCELINE());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(OidcPkceTest);
