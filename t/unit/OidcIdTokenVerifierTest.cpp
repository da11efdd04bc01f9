// IdTokenVerifier: the signature (algorithm, key, forgeries) and every claim rule of OIDC Core 3.1.3.7.
#include "oidc/Error.h"
#include "oidc/IdTokenVerifier.h"

#include "OidcTestKeys.h"
#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Array.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include <sstream>
#include <string>

using Nexus::Oidc::Claims;
using Nexus::Oidc::ClientSettings;
using Nexus::Oidc::ConfigurationError;
using Nexus::Oidc::IdTokenVerifier;
using Nexus::Oidc::Jwks;
using Nexus::Oidc::TokenRejected;
using Nexus::Oidc::UnknownKey;

using NexusTest::contains;
using NexusTest::thrown;
using OidcTest::base64Url;
using OidcTest::ecKey;
using OidcTest::rsaKey;
using OidcTest::sign;

namespace {

const std::string kIssuer = "https://idp.example.com/realms/studio";
const std::string kClientId = "nexus";
const std::string kNonce = "n-0S6_WzA2Mj";
const Poco::Timestamp kNow = Poco::Timestamp::fromEpochTime(1800000000);

Poco::Timestamp secondsFromNow(long seconds)
{
	return kNow + Poco::Timespan(seconds, 0);
}

ClientSettings settings()
{
	ClientSettings s;
	s.issuer = kIssuer;
	s.clientId = kClientId;
	return s;
}

/// The claims of a good ID token for alice at kNow.
Poco::JWT::Token goodToken()
{
	Poco::JWT::Token token;
	token.setType("JWT");
	token.setIssuer(kIssuer);
	token.setSubject("248289761001");
	token.setAudience(kClientId);
	token.setIssuedAt(secondsFromNow(-10));
	token.setExpiration(secondsFromNow(300));
	token.payload().set("nonce", kNonce);
	token.payload().set("name", std::string("Alice Example"));
	token.payload().set("email", std::string("alice@example.com"));
	token.payload().set("email_verified", true);
	token.payload().set("picture", std::string("https://idp.example.com/alice.png"));
	Poco::JSON::Array::Ptr groups = new Poco::JSON::Array;
	groups->add(std::string("studio-admins"));
	groups->add(std::string("artists"));
	token.payload().set("groups", groups);
	return token;
}

const Jwks& keys()
{
	static const Jwks set = Jwks::parse(OidcTest::jwks({rsaKey().jwk("rsa-1"), ecKey().jwk("ec-1")}));
	return set;
}

/// A JWT of the header and payload JSON texts with the given signature part.
std::string compact(const std::string& header, const std::string& payload, const std::string& signature)
{
	return base64Url(header) + "." + base64Url(payload) + "." + signature;
}

std::string payloadJson(const Poco::JWT::Token& token)
{
	std::ostringstream out;
	token.payload().stringify(out);
	return out.str();
}

} // namespace

class OidcIdTokenVerifierTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OidcIdTokenVerifierTest);
	CPPUNIT_TEST(testGoodRs256TokenPasses);
	CPPUNIT_TEST(testGoodEs256TokenPasses);
	CPPUNIT_TEST(testSignatureByAnotherKeyIsRejected);
	CPPUNIT_TEST(testTamperedPayloadIsRejected);
	CPPUNIT_TEST(testEs256SignatureOfAnotherSizeIsRejected);
	CPPUNIT_TEST(testAlgNoneIsRejected);
	CPPUNIT_TEST(testHs256WithThePublicKeyAsSecretIsRejected);
	CPPUNIT_TEST(testAlgorithmMustMatchTheKeyType);
	CPPUNIT_TEST(testAlgorithmMustMatchTheJwkAlg);
	CPPUNIT_TEST(testCriticalHeaderIsRejected);
	CPPUNIT_TEST(testUnknownKidIsUnknownKey);
	CPPUNIT_TEST(testTokenWithoutKidUsesTheOnlyKey);
	CPPUNIT_TEST(testNotAJwtIsRejected);
	CPPUNIT_TEST(testWrongIssuerIsRejected);
	CPPUNIT_TEST(testWrongAudienceIsRejected);
	CPPUNIT_TEST(testAudienceArrayHoldingTheClientPasses);
	CPPUNIT_TEST(testAudienceArrayWithOthersNeedsAzp);
	CPPUNIT_TEST(testAzpOfAnotherClientIsRejected);
	CPPUNIT_TEST(testExpiredPastLeewayIsRejected);
	CPPUNIT_TEST(testExpiredWithinLeewayPasses);
	CPPUNIT_TEST(testLeewayIsConfigurable);
	CPPUNIT_TEST(testMissingExpIsRejected);
	CPPUNIT_TEST(testIatInTheFutureIsRejected);
	CPPUNIT_TEST(testNbfInTheFutureIsRejected);
	CPPUNIT_TEST(testWrongNonceIsRejected);
	CPPUNIT_TEST(testMissingNonceIsRejected);
	CPPUNIT_TEST(testEmptyExpectedNonceMatchesNothing);
	CPPUNIT_TEST(testMissingSubIsRejected);
	CPPUNIT_TEST(testGroupsClaimNameIsConfigurable);
	CPPUNIT_TEST(testAbsentGroupsAreEmpty);
	CPPUNIT_TEST(testMessagesNeverContainTheToken);
	CPPUNIT_TEST(testSettingsAreChecked);
	CPPUNIT_TEST_SUITE_END();

public:
	void testGoodRs256TokenPasses()
	{
		const std::string jwt = sign(goodToken(), rsaKey(), "RS256", "rsa-1");
		const Claims claims = IdTokenVerifier(settings()).verify(jwt, keys(), kNonce, kNow);
		CPPUNIT_ASSERT_EQUAL(std::string("248289761001"), claims.subject);
		CPPUNIT_ASSERT_EQUAL(std::string("Alice Example"), claims.name);
		CPPUNIT_ASSERT_EQUAL(std::string("alice@example.com"), claims.email);
		CPPUNIT_ASSERT(claims.emailVerified);
		CPPUNIT_ASSERT_EQUAL(std::string("https://idp.example.com/alice.png"), claims.picture);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), claims.groups.size());
		CPPUNIT_ASSERT_EQUAL(std::string("studio-admins"), claims.groups[0]);
		CPPUNIT_ASSERT_EQUAL(std::string("artists"), claims.groups[1]);
	}

	void testGoodEs256TokenPasses()
	{
		const std::string jwt = sign(goodToken(), ecKey(), "ES256", "ec-1");
		const Claims claims = IdTokenVerifier(settings()).verify(jwt, keys(), kNonce, kNow);
		CPPUNIT_ASSERT_EQUAL(std::string("248289761001"), claims.subject);
	}

	void testSignatureByAnotherKeyIsRejected()
	{
		const std::string jwt = sign(goodToken(), OidcTest::otherRsaKey(), "RS256", "rsa-1");
		expectRejected(jwt, "signature");
		const std::string es = sign(goodToken(), OidcTest::makeP256Key(), "ES256", "ec-1");
		expectRejected(es, "signature");
	}

	void testTamperedPayloadIsRejected()
	{
		const std::string jwt = sign(goodToken(), rsaKey(), "RS256", "rsa-1");
		Poco::JWT::Token admin = goodToken();
		admin.setSubject("admin");
		const std::size_t first = jwt.find('.'), second = jwt.rfind('.');
		const std::string tampered = jwt.substr(0, first + 1) + base64Url(payloadJson(admin)) + jwt.substr(second);
		expectRejected(tampered, "signature");
	}

	/// Poco would leak OpenSSL's signature object on these (t/fuzz/oidc).
	void testEs256SignatureOfAnotherSizeIsRejected()
	{
		const std::string jwt = sign(goodToken(), ecKey(), "ES256", "ec-1");
		const std::string head = jwt.substr(0, jwt.rfind('.') + 1);
		expectRejected(head, "signature");
		expectRejected(head + "c2ln", "signature");
		expectRejected(head + base64Url(std::string(63, 'x')), "signature");
		expectRejected(head + base64Url(std::string(65, 'x')), "signature");
		expectRejected(head + "!!!!", "signature");
	}

	void testAlgNoneIsRejected()
	{
		const std::string payload = payloadJson(goodToken());
		expectRejected(compact("{\"alg\":\"none\",\"kid\":\"rsa-1\"}", payload, ""), "algorithm");
		expectRejected(compact("{\"alg\":\"none\"}", payload, ""), "algorithm");
		expectRejected(compact("{\"typ\":\"JWT\"}", payload, "c2ln"), "algorithm");
	}

	void testHs256WithThePublicKeyAsSecretIsRejected()
	{
		// The key-confusion forgery: the public key, which anyone can fetch,
		// used as an HMAC secret, hoping the verifier feeds it to HMAC.
		std::ostringstream pem;
		rsaKey().rsa->save(&pem);
		Poco::JWT::Token token = goodToken();
		token.header().set("kid", std::string("rsa-1"));
		for (const char* alg : {"HS256", "HS384", "HS512"})
		{
			Poco::JWT::Signer hmac(pem.str());
			hmac.addAllAlgorithms();
			expectRejected(hmac.sign(token, alg), "algorithm");
		}
	}

	void testAlgorithmMustMatchTheKeyType()
	{
		// An ES256 token naming the RSA key's kid finds no EC key of that kid.
		const std::string jwt = sign(goodToken(), ecKey(), "ES256", "rsa-1");
		thrown<UnknownKey>([&] { IdTokenVerifier(settings()).verify(jwt, keys(), kNonce, kNow); },
		                   CPPUNIT_SOURCELINE());
	}

	void testAlgorithmMustMatchTheJwkAlg()
	{
		const Jwks pinned = Jwks::parse(OidcTest::jwks({rsaKey().jwk("rsa-1", ",\"alg\":\"RS512\"")}));
		const std::string jwt = sign(goodToken(), rsaKey(), "RS256", "rsa-1");
		const TokenRejected e = thrown<TokenRejected>(
		    [&] { IdTokenVerifier(settings()).verify(jwt, pinned, kNonce, kNow); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "algorithm"));
		const std::string rs512 = sign(goodToken(), rsaKey(), "RS512", "rsa-1");
		IdTokenVerifier(settings()).verify(rs512, pinned, kNonce, kNow);
	}

	void testCriticalHeaderIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		Poco::JSON::Array::Ptr crit = new Poco::JSON::Array;
		crit->add(std::string("exp"));
		token.header().set("crit", crit);
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "critical");
	}

	void testUnknownKidIsUnknownKey()
	{
		const std::string jwt = sign(goodToken(), rsaKey(), "RS256", "rsa-2");
		const UnknownKey e = thrown<UnknownKey>([&] { IdTokenVerifier(settings()).verify(jwt, keys(), kNonce, kNow); },
		                                        CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "rsa-2"));
		// Other failures are not UnknownKey: a caller must not refetch for them.
		try
		{
			IdTokenVerifier(settings())
			    .verify(sign(goodToken(), OidcTest::otherRsaKey(), "RS256", "rsa-1"), keys(), kNonce, kNow);
			CPPUNIT_FAIL("a bad signature passed");
		}
		catch (const UnknownKey&)
		{
			CPPUNIT_FAIL("a bad signature was taken for an unknown key");
		}
		catch (const TokenRejected&)
		{}
	}

	void testTokenWithoutKidUsesTheOnlyKey()
	{
		const std::string jwt = sign(goodToken(), rsaKey(), "RS256", "");
		IdTokenVerifier(settings()).verify(jwt, keys(), kNonce, kNow);
		const Jwks two = Jwks::parse(OidcTest::jwks({rsaKey().jwk("a"), OidcTest::otherRsaKey().jwk("b")}));
		thrown<UnknownKey>([&] { IdTokenVerifier(settings()).verify(jwt, two, kNonce, kNow); }, CPPUNIT_SOURCELINE());
	}

	void testNotAJwtIsRejected()
	{
		for (const char* text : {"", "abc", "a.b", "a.b.c.d", "!!!.???.xyz"}) expectRejected(text, "JWT");
		expectRejected(std::string(IdTokenVerifier::kMaxTokenBytes + 1, 'a'), "long");
	}

	void testWrongIssuerIsRejected()
	{
		for (const std::string& iss : {kIssuer + "/", std::string("https://evil.example.com/realms/studio")})
		{
			Poco::JWT::Token token = goodToken();
			token.setIssuer(iss);
			expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "iss");
		}
		Poco::JWT::Token noIss = goodToken();
		noIss.payload().remove("iss");
		expectRejected(sign(noIss, rsaKey(), "RS256", "rsa-1"), "iss");
	}

	void testWrongAudienceIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		token.setAudience("another-client");
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "aud");
		token.setAudience(std::vector<std::string>{"another-client", "third"});
		token.payload().set("azp", std::string("another-client"));
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "aud");
		token.payload().remove("aud");
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "aud");
	}

	void testAudienceArrayHoldingTheClientPasses()
	{
		Poco::JWT::Token token = goodToken();
		token.setAudience(std::vector<std::string>{kClientId});
		IdTokenVerifier(settings()).verify(sign(token, rsaKey(), "RS256", "rsa-1"), keys(), kNonce, kNow);
		token.setAudience(std::vector<std::string>{"api", kClientId});
		token.payload().set("azp", kClientId);
		IdTokenVerifier(settings()).verify(sign(token, rsaKey(), "RS256", "rsa-1"), keys(), kNonce, kNow);
	}

	void testAudienceArrayWithOthersNeedsAzp()
	{
		Poco::JWT::Token token = goodToken();
		token.setAudience(std::vector<std::string>{kClientId, "api"});
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "azp");
	}

	void testAzpOfAnotherClientIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		token.payload().set("azp", std::string("another-client"));
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "azp");
		token.setAudience(std::vector<std::string>{kClientId, "another-client"});
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "azp");
	}

	void testExpiredPastLeewayIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		token.setIssuedAt(secondsFromNow(-600));
		token.setExpiration(secondsFromNow(-61));
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "expired");
		token.setExpiration(secondsFromNow(-60)); // exp must be after now - leeway
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "expired");
	}

	void testExpiredWithinLeewayPasses()
	{
		Poco::JWT::Token token = goodToken();
		token.setExpiration(secondsFromNow(-59));
		IdTokenVerifier(settings()).verify(sign(token, rsaKey(), "RS256", "rsa-1"), keys(), kNonce, kNow);
	}

	void testLeewayIsConfigurable()
	{
		Poco::JWT::Token token = goodToken();
		token.setExpiration(secondsFromNow(-5));
		const std::string jwt = sign(token, rsaKey(), "RS256", "rsa-1");
		ClientSettings strict = settings();
		strict.leewaySeconds = 0;
		thrown<TokenRejected>([&] { IdTokenVerifier(strict).verify(jwt, keys(), kNonce, kNow); }, CPPUNIT_SOURCELINE());
		ClientSettings lax = settings();
		lax.leewaySeconds = 10;
		IdTokenVerifier(lax).verify(jwt, keys(), kNonce, kNow);
	}

	void testMissingExpIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		token.payload().remove("exp");
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "exp");
		token.payload().set("exp", std::string("1900000000"));
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "exp");
	}

	void testIatInTheFutureIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		token.setIssuedAt(secondsFromNow(61));
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "iat");
		token.setIssuedAt(secondsFromNow(60));
		IdTokenVerifier(settings()).verify(sign(token, rsaKey(), "RS256", "rsa-1"), keys(), kNonce, kNow);
		token.payload().remove("iat");
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "iat");
	}

	void testNbfInTheFutureIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		token.setNotBefore(secondsFromNow(120));
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "nbf");
	}

	void testWrongNonceIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		token.payload().set("nonce", std::string("another-login"));
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "nonce");
	}

	void testMissingNonceIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		token.payload().remove("nonce");
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "nonce");
	}

	void testEmptyExpectedNonceMatchesNothing()
	{
		Poco::JWT::Token token = goodToken();
		token.payload().set("nonce", std::string());
		const std::string jwt = sign(token, rsaKey(), "RS256", "rsa-1");
		thrown<TokenRejected>([&] { IdTokenVerifier(settings()).verify(jwt, keys(), "", kNow); }, CPPUNIT_SOURCELINE());
	}

	void testMissingSubIsRejected()
	{
		Poco::JWT::Token token = goodToken();
		token.payload().remove("sub");
		expectRejected(sign(token, rsaKey(), "RS256", "rsa-1"), "sub");
	}

	void testGroupsClaimNameIsConfigurable()
	{
		Poco::JWT::Token token = goodToken();
		Poco::JSON::Array::Ptr roles = new Poco::JSON::Array;
		roles->add(std::string("editor"));
		roles->add(42); // not a string: skipped
		token.payload().set("https://nexus.example.com/roles", roles);
		const std::string jwt = sign(token, rsaKey(), "RS256", "rsa-1");
		ClientSettings s = settings();
		s.groupsClaim = "https://nexus.example.com/roles";
		const Claims claims = IdTokenVerifier(s).verify(jwt, keys(), kNonce, kNow);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), claims.groups.size());
		CPPUNIT_ASSERT_EQUAL(std::string("editor"), claims.groups[0]);
	}

	void testAbsentGroupsAreEmpty()
	{
		Poco::JWT::Token token = goodToken();
		token.payload().remove("groups");
		token.payload().remove("name");
		const Claims claims =
		    IdTokenVerifier(settings()).verify(sign(token, rsaKey(), "RS256", "rsa-1"), keys(), kNonce, kNow);
		CPPUNIT_ASSERT(claims.groups.empty());
		CPPUNIT_ASSERT(claims.name.empty());
	}

	void testMessagesNeverContainTheToken()
	{
		Poco::JWT::Token token = goodToken();
		token.setIssuer("https://evil.example.com");
		const std::string jwt = sign(token, rsaKey(), "RS256", "rsa-1");
		const std::string payload = jwt.substr(jwt.find('.') + 1, 40);
		const std::string signature = jwt.substr(jwt.rfind('.') + 1, 40);
		for (const std::string& bad : {jwt, jwt + "x", jwt.substr(0, jwt.rfind('.')) + ".AAAA", "x" + jwt})
		{
			const TokenRejected e = thrown<TokenRejected>(
			    [&] { IdTokenVerifier(settings()).verify(bad, keys(), kNonce, kNow); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), !contains(e.what(), payload) && !contains(e.what(), signature));
			CPPUNIT_ASSERT_MESSAGE(e.what(), !contains(e.what(), kNonce));
		}
	}

	void testSettingsAreChecked()
	{
		ClientSettings s = settings();
		s.clientId.clear();
		thrown<ConfigurationError>([&] { IdTokenVerifier verifier(s); }, CPPUNIT_SOURCELINE());
		s = settings();
		s.issuer.clear();
		thrown<ConfigurationError>([&] { IdTokenVerifier verifier(s); }, CPPUNIT_SOURCELINE());
		s = settings();
		s.leewaySeconds = -1;
		thrown<ConfigurationError>([&] { IdTokenVerifier verifier(s); }, CPPUNIT_SOURCELINE());
	}

private:
	/// Verifying jwt throws TokenRejected (not UnknownKey) whose message has word.
	void expectRejected(const std::string& jwt, const std::string& word)
	{
		try
		{
			IdTokenVerifier(settings()).verify(jwt, keys(), kNonce, kNow);
		}
		catch (const UnknownKey& e)
		{
			CPPUNIT_FAIL(std::string("UnknownKey instead of a rejection: ") + e.what());
		}
		catch (const TokenRejected& e)
		{
			CPPUNIT_ASSERT_MESSAGE(std::string(e.what()) + " (expected: " + word + ")", contains(e.what(), word));
			return;
		}
		CPPUNIT_FAIL("the token passed; expected a rejection for " + word);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(OidcIdTokenVerifierTest);
