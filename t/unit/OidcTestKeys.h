#pragma once
// Keys for the OpenID Connect tests: RSA 2048 and EC P-256 pairs made once
// per run with OpenSSL, as Poco::Crypto keys (to sign with Poco::JWT) and
// as the JWK members a provider would publish for them.

#include "util/Base64.h"

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/EVPPKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/SharedPtr.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace OidcTest {

/// A key pair: exactly one of rsa and ec is set; the JWK's public members
/// (n and e, or x and y), base64url.
struct TestKey
{
	Poco::SharedPtr<Poco::Crypto::RSAKey> rsa;
	Poco::SharedPtr<Poco::Crypto::ECKey> ec;
	std::string first, second;

	/// The JWK, with kid (none when empty) and extra members (",\"use\":\"sig\"").
	std::string jwk(const std::string& kid, const std::string& extra = "") const
	{
		std::string json = rsa ? "{\"kty\":\"RSA\",\"n\":\"" + first + "\",\"e\":\"" + second + "\""
		                       : "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + first + "\",\"y\":\"" + second + "\"";
		if (!kid.empty()) json += ",\"kid\":\"" + kid + "\"";
		return json + extra + "}";
	}
};

inline std::string base64Url(const std::string& bytes)
{
	return Nexus::Base64::encode(bytes, Nexus::Base64::kUrl);
}

/// The big-number parameter name of key, as bytes, left-padded to width (0: minimal).
inline std::string bnParam(EVP_PKEY* key, const char* name, int width = 0)
{
	BIGNUM* bn = nullptr;
	if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error(std::string("no key parameter ") + name);
	std::string bytes(width ? width : BN_num_bytes(bn), '\0');
	if (width)
		BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(&bytes[0]), width);
	else
		BN_bn2bin(bn, reinterpret_cast<unsigned char*>(&bytes[0]));
	BN_free(bn);
	return bytes;
}

inline TestKey makeRsaKey(unsigned bits)
{
	EVP_PKEY* pkey = EVP_RSA_gen(bits);
	if (!pkey) throw std::runtime_error("EVP_RSA_gen failed");
	TestKey key;
	key.rsa = new Poco::Crypto::RSAKey(Poco::Crypto::EVPPKey(pkey));
	key.first = base64Url(bnParam(pkey, OSSL_PKEY_PARAM_RSA_N));
	key.second = base64Url(bnParam(pkey, OSSL_PKEY_PARAM_RSA_E));
	EVP_PKEY_free(pkey);
	return key;
}

inline TestKey makeP256Key()
{
	EVP_PKEY* pkey = EVP_EC_gen("P-256");
	if (!pkey) throw std::runtime_error("EVP_EC_gen failed");
	TestKey key;
	key.ec = new Poco::Crypto::ECKey(Poco::Crypto::EVPPKey(pkey));
	key.first = base64Url(bnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32));
	key.second = base64Url(bnParam(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
	EVP_PKEY_free(pkey);
	return key;
}

inline const TestKey& rsaKey()
{
	static const TestKey key = makeRsaKey(2048);
	return key;
}

/// Another RSA pair: a signature by it must not verify with rsaKey()'s JWK.
inline const TestKey& otherRsaKey()
{
	static const TestKey key = makeRsaKey(2048);
	return key;
}

inline const TestKey& ecKey()
{
	static const TestKey key = makeP256Key();
	return key;
}

/// A JWKS of the JWKs.
inline std::string jwks(const std::vector<std::string>& jwks)
{
	std::string json = "{\"keys\":[";
	for (std::size_t i = 0; i < jwks.size(); ++i) json += (i ? "," : "") + jwks[i];
	return json + "]}";
}

/// token signed by key with alg (RS256 or ES256), kid in its header unless empty.
inline std::string sign(Poco::JWT::Token token, const TestKey& key, const std::string& alg, const std::string& kid)
{
	if (!kid.empty()) token.header().set("kid", kid);
	Poco::JWT::Signer signer;
	if (key.rsa)
		signer.setRSAKey(key.rsa);
	else
		signer.setECKey(key.ec);
	return signer.sign(token, alg);
}

} // namespace OidcTest
