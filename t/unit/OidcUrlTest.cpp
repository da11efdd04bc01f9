// Url: https anywhere, plain http only to a loopback host named literally.
#include "oidc/Error.h"
#include "oidc/Url.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Oidc::ConfigurationError;
using Nexus::Oidc::Url;

using NexusTest::contains;
using NexusTest::thrown;

class OidcUrlTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OidcUrlTest);
	CPPUNIT_TEST(testLoopbackHosts);
	CPPUNIT_TEST(testOtherHostsAreNotLoopback);
	CPPUNIT_TEST(testHttpsIsAllowedAnywhere);
	CPPUNIT_TEST(testHttpIsAllowedOnlyToLoopback);
	CPPUNIT_TEST(testParseNamesTheSetting);
	CPPUNIT_TEST_SUITE_END();

public:
	void testLoopbackHosts()
	{
		for (const char* host : {"localhost", "LocalHost", "127.0.0.1", "127.10.20.30", "127.255.255.254", "::1"})
			CPPUNIT_ASSERT_MESSAGE(host, Url::isLoopbackHost(host));
	}

	void testOtherHostsAreNotLoopback()
	{
		for (const char* host : {"", "localhost.example.com", "127.0.0.1.nip.io", "128.0.0.1", "10.0.0.1", "0.0.0.0",
		                         "::", "::2", "example.com", "localhos"})
			CPPUNIT_ASSERT_MESSAGE(host, !Url::isLoopbackHost(host));
	}

	void testHttpsIsAllowedAnywhere()
	{
		CPPUNIT_ASSERT(Url::isAllowed(Poco::URI("https://idp.example.com/realms/a")));
		CPPUNIT_ASSERT(Url::isAllowed(Poco::URI("HTTPS://idp.example.com")));
		CPPUNIT_ASSERT(Url::isAllowed(Poco::URI("https://127.0.0.1:8443/")));
	}

	void testHttpIsAllowedOnlyToLoopback()
	{
		CPPUNIT_ASSERT(Url::isAllowed(Poco::URI("http://127.0.0.1:8080/realms/dev")));
		CPPUNIT_ASSERT(Url::isAllowed(Poco::URI("http://localhost:8080")));
		CPPUNIT_ASSERT(Url::isAllowed(Poco::URI("http://[::1]:8080/")));
		CPPUNIT_ASSERT(!Url::isAllowed(Poco::URI("http://idp.example.com/")));
		CPPUNIT_ASSERT(!Url::isAllowed(Poco::URI("http://192.168.1.10/")));
		CPPUNIT_ASSERT(!Url::isAllowed(Poco::URI("ftp://127.0.0.1/")));
		CPPUNIT_ASSERT(!Url::isAllowed(Poco::URI("/relative/path")));
	}

	void testParseNamesTheSetting()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("idp.example.com"),
		                     Url::parse("https://idp.example.com/x", "sso.issuer").getHost());
		const ConfigurationError e = thrown<ConfigurationError>(
		    [] { Url::parse("http://idp.example.com/", "sso.issuer"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "sso.issuer") && contains(e.what(), "https"));
		thrown<ConfigurationError>([] { Url::parse("http://[::1", "sso.issuer"); }, CPPUNIT_SOURCELINE());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(OidcUrlTest);
