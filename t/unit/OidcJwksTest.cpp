// Jwks: which keys of a provider's JWKS become verification keys, and how a token's kid finds one.
#include "oidc/Error.h"
#include "oidc/Jwks.h"

#include "OidcTestKeys.h"
#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include <string>

using Nexus::Oidc::BadResponse;
using Nexus::Oidc::Jwks;

using NexusTest::thrown;
using OidcTest::ecKey;
using OidcTest::jwks;
using OidcTest::rsaKey;

namespace {

/// True when a token signed by signing verifies with key of the set.
bool verifies(const Jwks::Key& key, const OidcTest::TestKey& signing, const std::string& alg)
{
	Poco::JWT::Token token;
	token.setSubject("alice");
	const std::string jwt = OidcTest::sign(token, signing, alg, "");
	Poco::JWT::Signer verifier;
	verifier.setAlgorithms({alg});
	if (key.rsa) verifier.setRSAKey(key.rsa);
	if (key.ec) verifier.setECKey(key.ec);
	Poco::JWT::Token verified;
	return verifier.tryVerify(jwt, verified);
}

} // namespace

class OidcJwksTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OidcJwksTest);
	CPPUNIT_TEST(testRsaKeyIsBuiltFromNAndE);
	CPPUNIT_TEST(testEcKeyIsBuiltFromXAndY);
	CPPUNIT_TEST(testKidAndAlgAreKept);
	CPPUNIT_TEST(testKeysForEncryptionAreIgnored);
	CPPUNIT_TEST(testKeysWithoutVerifyOperationAreIgnored);
	CPPUNIT_TEST(testUnknownKeyTypesAreIgnored);
	CPPUNIT_TEST(testEcKeysOnOtherCurvesAreIgnored);
	CPPUNIT_TEST(testPointOffTheCurveIsIgnored);
	CPPUNIT_TEST(testShortCoordinatesAreIgnored);
	CPPUNIT_TEST(testRsaKeysUnder2048BitsAreIgnored);
	CPPUNIT_TEST(testMalformedMembersSpoilOnlyTheirKey);
	CPPUNIT_TEST(testEmptySetIsValid);
	CPPUNIT_TEST(testSetWithoutKeysArrayIsBadResponse);
	CPPUNIT_TEST(testNonJsonIsBadResponse);
	CPPUNIT_TEST(testFindByKidAndType);
	CPPUNIT_TEST(testWithoutKidTheOnlyKeyOfTheTypeIsFound);
	CPPUNIT_TEST(testWithoutKidSeveralKeysOfTheTypeFindNothing);
	CPPUNIT_TEST_SUITE_END();

public:
	void testRsaKeyIsBuiltFromNAndE()
	{
		const Jwks set = Jwks::parse(jwks({rsaKey().jwk("r1")}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), set.keys().size());
		const Jwks::Key& key = set.keys()[0];
		CPPUNIT_ASSERT(key.type == Jwks::KeyType::kRsa);
		CPPUNIT_ASSERT(key.rsa && !key.ec);
		CPPUNIT_ASSERT(verifies(key, rsaKey(), "RS256"));
		CPPUNIT_ASSERT(!verifies(key, OidcTest::otherRsaKey(), "RS256"));
	}

	void testEcKeyIsBuiltFromXAndY()
	{
		const Jwks set = Jwks::parse(jwks({ecKey().jwk("e1")}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), set.keys().size());
		const Jwks::Key& key = set.keys()[0];
		CPPUNIT_ASSERT(key.type == Jwks::KeyType::kEc);
		CPPUNIT_ASSERT(key.ec && !key.rsa);
		CPPUNIT_ASSERT(verifies(key, ecKey(), "ES256"));
	}

	void testKidAndAlgAreKept()
	{
		const Jwks set = Jwks::parse(jwks({rsaKey().jwk("r1", ",\"alg\":\"RS256\",\"use\":\"sig\"")}));
		CPPUNIT_ASSERT_EQUAL(std::string("r1"), set.keys().at(0).kid);
		CPPUNIT_ASSERT_EQUAL(std::string("RS256"), set.keys().at(0).alg);
	}

	void testKeysForEncryptionAreIgnored()
	{
		const Jwks set =
		    Jwks::parse(jwks({rsaKey().jwk("enc", ",\"use\":\"enc\""), ecKey().jwk("sig", ",\"use\":\"sig\"")}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), set.keys().size());
		CPPUNIT_ASSERT_EQUAL(std::string("sig"), set.keys()[0].kid);
	}

	void testKeysWithoutVerifyOperationAreIgnored()
	{
		const Jwks set = Jwks::parse(
		    jwks({rsaKey().jwk("a", ",\"key_ops\":[\"encrypt\"]"), rsaKey().jwk("b", ",\"key_ops\":[\"verify\"]")}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), set.keys().size());
		CPPUNIT_ASSERT_EQUAL(std::string("b"), set.keys()[0].kid);
	}

	void testUnknownKeyTypesAreIgnored()
	{
		const Jwks set = Jwks::parse(
		    jwks({"{\"kty\":\"oct\",\"k\":\"c2VjcmV0\",\"kid\":\"h\"}",
		          "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
		          "{\"kid\":\"no-kty\"}", rsaKey().jwk("r")}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), set.keys().size());
		CPPUNIT_ASSERT_EQUAL(std::string("r"), set.keys()[0].kid);
	}

	void testEcKeysOnOtherCurvesAreIgnored()
	{
		std::string p384 = ecKey().jwk("e");
		p384.replace(p384.find("P-256"), 5, "P-384");
		std::string noCurve = ecKey().jwk("e");
		noCurve.replace(noCurve.find("\"crv\":\"P-256\","), 14, "");
		CPPUNIT_ASSERT(Jwks::parse(jwks({p384, noCurve})).keys().empty());
	}

	void testPointOffTheCurveIsIgnored()
	{
		OidcTest::TestKey bent = ecKey();
		std::string y = *Nexus::Base64::decode(bent.second, Nexus::Base64::kUrl);
		y[31] ^= 1;
		bent.second = OidcTest::base64Url(y);
		CPPUNIT_ASSERT(Jwks::parse(jwks({bent.jwk("e")})).keys().empty());
	}

	void testShortCoordinatesAreIgnored()
	{
		OidcTest::TestKey shortX = ecKey();
		shortX.first = OidcTest::base64Url(std::string(31, '\x01'));
		CPPUNIT_ASSERT(Jwks::parse(jwks({shortX.jwk("e")})).keys().empty());
	}

	void testRsaKeysUnder2048BitsAreIgnored()
	{
		const OidcTest::TestKey small = OidcTest::makeRsaKey(1024);
		CPPUNIT_ASSERT(Jwks::parse(jwks({small.jwk("small")})).keys().empty());
	}

	void testMalformedMembersSpoilOnlyTheirKey()
	{
		const Jwks set = Jwks::parse(
		    jwks({"{\"kty\":\"RSA\",\"n\":42,\"e\":\"AQAB\"}", "{\"kty\":\"RSA\",\"n\":\"!!!\",\"e\":\"AQAB\"}",
		          "{\"kty\":\"RSA\",\"n\":\"AQAB\"}", rsaKey().jwk("good", ",\"use\":7"), ecKey().jwk("good")}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), set.keys().size());
		CPPUNIT_ASSERT(set.keys()[0].type == Jwks::KeyType::kEc);
	}

	void testEmptySetIsValid() { CPPUNIT_ASSERT(Jwks::parse("{\"keys\":[]}").keys().empty()); }

	void testSetWithoutKeysArrayIsBadResponse()
	{
		thrown<BadResponse>([] { Jwks::parse("{}"); }, CPPUNIT_SOURCELINE());
		thrown<BadResponse>([] { Jwks::parse("{\"keys\":{}}"); }, CPPUNIT_SOURCELINE());
		thrown<BadResponse>([] { Jwks::parse("{\"keys\":[1]}"); }, CPPUNIT_SOURCELINE());
	}

	void testNonJsonIsBadResponse()
	{
		thrown<BadResponse>([] { Jwks::parse("<html>"); }, CPPUNIT_SOURCELINE());
		thrown<BadResponse>([] { Jwks::parse("[]"); }, CPPUNIT_SOURCELINE());
	}

	void testFindByKidAndType()
	{
		const Jwks set = Jwks::parse(jwks({rsaKey().jwk("a"), OidcTest::otherRsaKey().jwk("b"), ecKey().jwk("a")}));
		const Jwks::Key* b = set.find("b", Jwks::KeyType::kRsa);
		CPPUNIT_ASSERT(b && b->kid == "b" && b->type == Jwks::KeyType::kRsa);
		const Jwks::Key* a = set.find("a", Jwks::KeyType::kEc);
		CPPUNIT_ASSERT(a && a->type == Jwks::KeyType::kEc);
		CPPUNIT_ASSERT(!set.find("b", Jwks::KeyType::kEc));
		CPPUNIT_ASSERT(!set.find("c", Jwks::KeyType::kRsa));
	}

	void testWithoutKidTheOnlyKeyOfTheTypeIsFound()
	{
		const Jwks set = Jwks::parse(jwks({rsaKey().jwk("a"), ecKey().jwk("")}));
		const Jwks::Key* rsa = set.find("", Jwks::KeyType::kRsa);
		CPPUNIT_ASSERT(rsa && rsa->kid == "a");
		CPPUNIT_ASSERT(set.find("", Jwks::KeyType::kEc));
	}

	void testWithoutKidSeveralKeysOfTheTypeFindNothing()
	{
		const Jwks set = Jwks::parse(jwks({rsaKey().jwk("a"), OidcTest::otherRsaKey().jwk("b")}));
		CPPUNIT_ASSERT(!set.find("", Jwks::KeyType::kRsa));
		CPPUNIT_ASSERT(!set.find("", Jwks::KeyType::kEc));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(OidcJwksTest);
