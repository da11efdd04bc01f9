// ClientSettings: its defaults and the names of the client authentication methods.
#include "oidc/ClientSettings.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Oidc::AuthMethod;
using Nexus::Oidc::authMethodName;
using Nexus::Oidc::authMethodNamed;
using Nexus::Oidc::ClientSettings;

class OidcClientSettingsTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OidcClientSettingsTest);
	CPPUNIT_TEST(testDefaults);
	CPPUNIT_TEST(testAuthMethodNamesRoundTrip);
	CPPUNIT_TEST(testUnknownAuthMethodNameIsNone);
	CPPUNIT_TEST_SUITE_END();

public:
	void testDefaults()
	{
		const ClientSettings s;
		CPPUNIT_ASSERT_EQUAL(60, s.leewaySeconds);
		CPPUNIT_ASSERT_EQUAL(std::string("groups"), s.groupsClaim);
		CPPUNIT_ASSERT_EQUAL(std::string("openid profile email"), s.scope);
		CPPUNIT_ASSERT(s.authMethod == AuthMethod::kClientSecretBasic);
		CPPUNIT_ASSERT(s.caFile.empty());
	}

	void testAuthMethodNamesRoundTrip()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("client_secret_basic"),
		                     std::string(authMethodName(AuthMethod::kClientSecretBasic)));
		CPPUNIT_ASSERT_EQUAL(std::string("client_secret_post"),
		                     std::string(authMethodName(AuthMethod::kClientSecretPost)));
		for (AuthMethod m : {AuthMethod::kClientSecretBasic, AuthMethod::kClientSecretPost})
			CPPUNIT_ASSERT(authMethodNamed(authMethodName(m)) == m);
	}

	void testUnknownAuthMethodNameIsNone()
	{
		for (const char* name : {"", "private_key_jwt", "none", "CLIENT_SECRET_BASIC", "client_secret_jwt"})
			CPPUNIT_ASSERT_MESSAGE(name, !authMethodNamed(name));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(OidcClientSettingsTest);
