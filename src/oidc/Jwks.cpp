#include "oidc/Jwks.h"

#include "oidc/Document.h"
#include "oidc/Error.h"
#include "util/Base64.h"

#include <Poco/Crypto/EVPPKey.h>
#include <Poco/Exception.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace Nexus {
namespace Oidc {

namespace {

// OpenSSL is used directly in this file because Poco 1.11 cannot make a
// public key from its numbers: Poco::Crypto builds keys from PEM files or
// streams, certificates, PKCS #12 or by generating a pair, and a JWK gives
// n and e, or x and y. The key is assembled with OpenSSL 3's
// EVP_PKEY_fromdata, checked, and handed to Poco (EVPPKey copies it); from
// then on only Poco touches it.

constexpr int kMinRsaBits = 2048;
constexpr std::size_t kP256CoordinateBytes = 32;

struct Free
{
	void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
	void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
	void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
	void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
	void operator()(BIGNUM* p) const { BN_free(p); }
};
template <typename T> using Owned = std::unique_ptr<T, Free>;

/// A base64url member of a JWK as bytes; std::nullopt when absent or malformed.
std::optional<std::string> bytesOf(const Document& jwk, const std::string& name)
{
	const std::optional<std::string> text = jwk.optionalString(name);
	if (!text || text->empty()) return std::nullopt;
	return Base64::decode(*text, Base64::kUrl);
}

Owned<BIGNUM> bignum(const std::string& bytes)
{
	return Owned<BIGNUM>(
	    BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

/// A public key of type ("RSA", "EC") from params, if OpenSSL accepts it
/// and it passes OpenSSL's public-key check (an EC point on the curve, an
/// odd RSA modulus and exponent); nullptr otherwise.
Owned<EVP_PKEY> publicKey(const char* type, OSSL_PARAM_BLD* builder)
{
	const Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder));
	const Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
	EVP_PKEY* raw = nullptr;
	if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) return nullptr;
	Owned<EVP_PKEY> key(raw);
	const Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
	if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
	return key;
}

Owned<EVP_PKEY> rsaKey(const Document& jwk)
{
	const std::optional<std::string> n = bytesOf(jwk, "n"), e = bytesOf(jwk, "e");
	if (!n || !e) return nullptr;
	const Owned<BIGNUM> bnN = bignum(*n), bnE = bignum(*e);
	const Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
	if (!bnN || !bnE || !builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, bnN.get()) != 1 ||
	    OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, bnE.get()) != 1)
		return nullptr;
	Owned<EVP_PKEY> key = publicKey("RSA", builder.get());
	if (!key || EVP_PKEY_get_bits(key.get()) < kMinRsaBits) return nullptr;
	return key;
}

Owned<EVP_PKEY> p256Key(const Document& jwk)
{
	if (jwk.optionalString("crv") != std::optional<std::string>("P-256")) return nullptr;
	const std::optional<std::string> x = bytesOf(jwk, "x"), y = bytesOf(jwk, "y");
	// RFC 7518, 6.2.1.2: each coordinate is the full size of the field, 32 bytes.
	if (!x || !y || x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) return nullptr;
	const std::string point = '\x04' + *x + *y; // SEC 1 uncompressed form
	const Owned<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
	if (!builder ||
	    OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
		return nullptr;
	return publicKey("EC", builder.get());
}

/// True when the JWK may verify signatures: "use" absent or "sig", and
/// "key_ops" absent or holding "verify".
bool isForVerifying(const Document& jwk)
{
	const std::optional<std::string> use = jwk.optionalString("use");
	if (use && *use != "sig") return false;
	const std::optional<std::vector<std::string>> ops = jwk.optionalStringArray("key_ops");
	return !ops || std::find(ops->begin(), ops->end(), "verify") != ops->end();
}

/// The JWK as a verification key; std::nullopt when the class comment says
/// it is left out. Throws BadResponse for a member of the wrong JSON type.
std::optional<Jwks::Key> keyOf(const Document& jwk)
{
	if (!isForVerifying(jwk)) return std::nullopt;
	Jwks::Key key;
	key.kid = jwk.optionalString("kid").value_or("");
	key.alg = jwk.optionalString("alg").value_or("");
	const std::string kty = jwk.optionalString("kty").value_or("");
	if (kty == "RSA")
	{
		const Owned<EVP_PKEY> pkey = rsaKey(jwk);
		if (!pkey) return std::nullopt;
		key.type = Jwks::KeyType::kRsa;
		key.rsa = new Poco::Crypto::RSAKey(Poco::Crypto::EVPPKey(pkey.get()));
	}
	else if (kty == "EC")
	{
		const Owned<EVP_PKEY> pkey = p256Key(jwk);
		if (!pkey) return std::nullopt;
		key.type = Jwks::KeyType::kEc;
		key.ec = new Poco::Crypto::ECKey(Poco::Crypto::EVPPKey(pkey.get()));
	}
	else
		return std::nullopt;
	return key;
}

} // namespace

Jwks Jwks::parse(const std::string& json)
{
	const Document document = Document::parse(json, "the key set");
	Jwks jwks;
	for (const Document& jwk : document.objectArray("keys"))
	{
		try
		{
			if (std::optional<Key> key = keyOf(jwk)) jwks._keys.push_back(std::move(*key));
		}
		catch (const BadResponse&) // a member of the wrong type: this key only
		{}
		catch (const Poco::Exception&) // Poco refused OpenSSL's key: this key only
		{}
	}
	return jwks;
}

const Jwks::Key* Jwks::find(const std::string& kid, KeyType type) const
{
	const Key* only = nullptr;
	std::size_t ofType = 0;
	for (const Key& key : _keys)
	{
		if (key.type != type) continue;
		if (!kid.empty() && key.kid == kid) return &key;
		only = &key;
		++ofType;
	}
	return kid.empty() && ofType == 1 ? only : nullptr;
}

} // namespace Oidc
} // namespace Nexus
