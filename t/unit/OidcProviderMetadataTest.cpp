// ProviderMetadata: what a discovery document must hold and which endpoints it may name.
#include "oidc/Error.h"
#include "oidc/ProviderMetadata.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Oidc::BadResponse;
using Nexus::Oidc::ProviderMetadata;

using NexusTest::contains;
using NexusTest::thrown;

namespace {

const std::string kIssuer = "https://idp.example.com/realms/studio";

/// A discovery document as Keycloak serves one (shortened), for issuer.
std::string document(const std::string& issuer = kIssuer)
{
	return R"({
  "issuer": ")" +
	       issuer + R"(",
  "authorization_endpoint": ")" +
	       issuer + R"(/protocol/openid-connect/auth",
  "token_endpoint": ")" +
	       issuer + R"(/protocol/openid-connect/token",
  "introspection_endpoint": ")" +
	       issuer + R"(/protocol/openid-connect/token/introspect",
  "userinfo_endpoint": ")" +
	       issuer + R"(/protocol/openid-connect/userinfo",
  "end_session_endpoint": ")" +
	       issuer + R"(/protocol/openid-connect/logout",
  "frontchannel_logout_session_supported": true,
  "jwks_uri": ")" +
	       issuer + R"(/protocol/openid-connect/certs",
  "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "password", "client_credentials"],
  "response_types_supported": ["code", "none", "id_token", "token", "id_token token", "code id_token"],
  "subject_types_supported": ["public", "pairwise"],
  "id_token_signing_alg_values_supported": ["PS384", "ES384", "RS384", "HS256", "HS512", "ES256", "RS256"],
  "userinfo_signing_alg_values_supported": ["PS384", "ES384", "RS384", "none"],
  "scopes_supported": ["openid", "profile", "email", "groups"],
  "claims_supported": ["aud", "sub", "iss", "auth_time", "name", "given_name", "email", "preferred_username"],
  "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic", "client_secret_post"],
  "code_challenge_methods_supported": ["plain", "S256"],
  "tls_client_certificate_bound_access_tokens": true,
  "mtls_endpoint_aliases": {"token_endpoint": ")" +
	       issuer + R"(/protocol/openid-connect/token"}
})";
}

/// The smallest document the checks accept.
std::string minimal(const std::string& issuer, const std::string& extra = "")
{
	return "{\"issuer\":\"" + issuer + "\",\"authorization_endpoint\":\"" + issuer + "/auth\",\"token_endpoint\":\"" +
	       issuer + "/token\",\"jwks_uri\":\"" + issuer + "/jwks\"" + extra + "}";
}

std::string replaced(std::string text, const std::string& from, const std::string& to)
{
	text.replace(text.find(from), from.size(), to);
	return text;
}

} // namespace

class OidcProviderMetadataTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OidcProviderMetadataTest);
	CPPUNIT_TEST(testParsesARealLookingDocument);
	CPPUNIT_TEST(testDefaultsWhenOptionalFieldsAreAbsent);
	CPPUNIT_TEST(testIssuerMustMatchExactly);
	CPPUNIT_TEST(testRequiredFieldsMustBePresent);
	CPPUNIT_TEST(testNonHttpsEndpointIsRefusedForARemoteIssuer);
	CPPUNIT_TEST(testHttpIssuerIsRefusedUnlessLoopback);
	CPPUNIT_TEST(testHttpIsAllowedForALoopbackIssuer);
	CPPUNIT_TEST(testLoopbackIssuerMayNotSendUsElsewhereOverHttp);
	CPPUNIT_TEST(testIssuerWithQueryIsRefused);
	CPPUNIT_TEST(testPkceWithoutS256IsRefused);
	CPPUNIT_TEST(testWrongTypesAreRefused);
	CPPUNIT_TEST(testNotAnObjectIsRefused);
	CPPUNIT_TEST(testDiscoveryUrlDropsOneTrailingSlash);
	CPPUNIT_TEST_SUITE_END();

public:
	void testParsesARealLookingDocument()
	{
		const ProviderMetadata m = ProviderMetadata::parse(document(), kIssuer);
		CPPUNIT_ASSERT_EQUAL(kIssuer, m.issuer());
		CPPUNIT_ASSERT_EQUAL(kIssuer + "/protocol/openid-connect/auth", m.authorizationEndpoint());
		CPPUNIT_ASSERT_EQUAL(kIssuer + "/protocol/openid-connect/token", m.tokenEndpoint());
		CPPUNIT_ASSERT_EQUAL(kIssuer + "/protocol/openid-connect/certs", m.jwksUri());
		CPPUNIT_ASSERT_EQUAL(kIssuer + "/protocol/openid-connect/logout", m.endSessionEndpoint());
		CPPUNIT_ASSERT_EQUAL(kIssuer + "/protocol/openid-connect/userinfo", m.userinfoEndpoint());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), m.tokenEndpointAuthMethods().size());
		CPPUNIT_ASSERT(m.supportsAuthMethod("client_secret_post"));
		CPPUNIT_ASSERT(!m.supportsAuthMethod("tls_client_auth"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(7), m.idTokenSigningAlgs().size());
		CPPUNIT_ASSERT_EQUAL(std::string("S256"), m.codeChallengeMethods().at(1));
	}

	void testDefaultsWhenOptionalFieldsAreAbsent()
	{
		const ProviderMetadata m = ProviderMetadata::parse(minimal(kIssuer), kIssuer);
		CPPUNIT_ASSERT(m.endSessionEndpoint().empty());
		CPPUNIT_ASSERT(m.userinfoEndpoint().empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), m.tokenEndpointAuthMethods().size());
		CPPUNIT_ASSERT(m.supportsAuthMethod("client_secret_basic"));
		CPPUNIT_ASSERT(!m.supportsAuthMethod("client_secret_post"));
		CPPUNIT_ASSERT_EQUAL(std::string("RS256"), m.idTokenSigningAlgs().at(0));
		CPPUNIT_ASSERT(m.codeChallengeMethods().empty());
	}

	void testIssuerMustMatchExactly()
	{
		for (const std::string& configured :
		     {kIssuer + "/", std::string("https://IDP.example.com/realms/studio"),
		      std::string("https://idp.example.com"), std::string("https://idp.example.com/realms/studio2")})
		{
			const BadResponse e =
			    thrown<BadResponse>([&] { ProviderMetadata::parse(document(), configured); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "issuer"));
		}
		// A trailing slash is fine when both sides have it.
		ProviderMetadata::parse(document("https://idp.example.com/"), "https://idp.example.com/");
	}

	void testRequiredFieldsMustBePresent()
	{
		for (const char* field : {"authorization_endpoint", "token_endpoint", "jwks_uri"})
		{
			const std::string doc = replaced(minimal(kIssuer), std::string("\"") + field + "\"", "\"x-other\"");
			const BadResponse e =
			    thrown<BadResponse>([&] { ProviderMetadata::parse(doc, kIssuer); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), field));
		}
		thrown<BadResponse>([] { ProviderMetadata::parse("{\"issuer\":\"\"}", ""); }, CPPUNIT_SOURCELINE());
	}

	void testNonHttpsEndpointIsRefusedForARemoteIssuer()
	{
		const std::string insecure[][2] = {
		    {"https://idp.example.com/realms/studio/protocol/openid-connect/token", "token_endpoint"},
		    {"https://idp.example.com/realms/studio/protocol/openid-connect/certs", "jwks_uri"},
		    {"https://idp.example.com/realms/studio/protocol/openid-connect/auth", "authorization_endpoint"},
		    {"https://idp.example.com/realms/studio/protocol/openid-connect/logout", "end_session_endpoint"},
		};
		for (const auto& endpoint : insecure)
		{
			const std::string doc = replaced(document(), endpoint[0], "http" + endpoint[0].substr(5));
			const BadResponse e =
			    thrown<BadResponse>([&] { ProviderMetadata::parse(doc, kIssuer); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), endpoint[1]) && contains(e.what(), "https"));
		}
		// Pointing at a loopback host over http does not help a remote issuer.
		const std::string doc = replaced(minimal(kIssuer), kIssuer + "/jwks", "http://127.0.0.1/jwks");
		thrown<BadResponse>([&] { ProviderMetadata::parse(doc, kIssuer); }, CPPUNIT_SOURCELINE());
	}

	void testHttpIssuerIsRefusedUnlessLoopback()
	{
		const std::string issuer = "http://idp.example.com";
		thrown<BadResponse>([&] { ProviderMetadata::parse(minimal(issuer), issuer); }, CPPUNIT_SOURCELINE());
	}

	void testHttpIsAllowedForALoopbackIssuer()
	{
		for (const std::string& issuer : {std::string("http://127.0.0.1:8080/realms/dev"),
		                                  std::string("http://localhost:9000"), std::string("http://[::1]:8080")})
		{
			const ProviderMetadata m = ProviderMetadata::parse(minimal(issuer), issuer);
			CPPUNIT_ASSERT_EQUAL(issuer + "/token", m.tokenEndpoint());
		}
	}

	void testLoopbackIssuerMayNotSendUsElsewhereOverHttp()
	{
		const std::string issuer = "http://127.0.0.1:8080";
		const std::string doc = replaced(minimal(issuer), issuer + "/token", "http://idp.example.com/token");
		thrown<BadResponse>([&] { ProviderMetadata::parse(doc, issuer); }, CPPUNIT_SOURCELINE());
		const std::string secure = replaced(minimal(issuer), issuer + "/token", "https://idp.example.com/token");
		ProviderMetadata::parse(secure, issuer);
	}

	void testIssuerWithQueryIsRefused()
	{
		const std::string issuer = "https://idp.example.com/?tenant=a";
		thrown<BadResponse>([&] { ProviderMetadata::parse(minimal(issuer), issuer); }, CPPUNIT_SOURCELINE());
	}

	void testPkceWithoutS256IsRefused()
	{
		const std::string doc = minimal(kIssuer, ",\"code_challenge_methods_supported\":[\"plain\"]");
		const BadResponse e = thrown<BadResponse>([&] { ProviderMetadata::parse(doc, kIssuer); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "S256"));
	}

	void testWrongTypesAreRefused()
	{
		thrown<BadResponse>([] { ProviderMetadata::parse(minimal(kIssuer, ",\"userinfo_endpoint\":7"), kIssuer); },
		                    CPPUNIT_SOURCELINE());
		thrown<BadResponse>(
		    [] {
			    ProviderMetadata::parse(
			        minimal(kIssuer, ",\"token_endpoint_auth_methods_supported\":\"client_secret_post\""), kIssuer);
		    },
		    CPPUNIT_SOURCELINE());
		thrown<BadResponse>(
		    [] {
			    ProviderMetadata::parse(minimal(kIssuer, ",\"id_token_signing_alg_values_supported\":[1]"), kIssuer);
		    },
		    CPPUNIT_SOURCELINE());
	}

	void testNotAnObjectIsRefused()
	{
		for (const char* text : {"", "<html><body>Login</body></html>", "[]", "\"issuer\"", "{\"issuer\":"})
			thrown<BadResponse>([&] { ProviderMetadata::parse(text, kIssuer); }, CPPUNIT_SOURCELINE());
	}

	void testDiscoveryUrlDropsOneTrailingSlash()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("https://idp.example.com/realms/studio/.well-known/openid-configuration"),
		                     ProviderMetadata::discoveryUrl(kIssuer));
		CPPUNIT_ASSERT_EQUAL(std::string("https://idp.example.com/.well-known/openid-configuration"),
		                     ProviderMetadata::discoveryUrl("https://idp.example.com/"));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(OidcProviderMetadataTest);
