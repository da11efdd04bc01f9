#include "oidc/IdTokenVerifier.h"

#include "oidc/Error.h"
#include "util/Base64.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>

namespace Nexus {
namespace Oidc {

namespace {

/// A value from the token for a message: at most 64 printable ASCII
/// characters, in quotes (the token is the provider's, but it came
/// through the browser).
std::string shown(const std::string& s)
{
	std::string out = "\"";
	for (std::size_t i = 0; i < s.size() && i < 64; ++i) out += (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (s.size() > 64) out += "...";
	return out + "\"";
}

/// The string claim name; std::nullopt when absent or of another type.
std::optional<std::string> stringClaim(const Poco::JSON::Object& payload, const std::string& name)
{
	const Poco::Dynamic::Var value = payload.get(name);
	if (!value.isString()) return std::nullopt;
	return value.extract<std::string>();
}

/// The NumericDate claim name (seconds since the epoch, maybe with a
/// fraction); std::nullopt when absent; TokenRejected when not a number.
std::optional<double> timeClaim(const Poco::JSON::Object& payload, const std::string& name)
{
	if (!payload.has(name)) return std::nullopt;
	const Poco::Dynamic::Var value = payload.get(name);
	if (!value.isNumeric()) throw TokenRejected("the ID token's " + name + " is not a number");
	const double seconds = value.convert<double>();
	if (!std::isfinite(seconds)) throw TokenRejected("the ID token's " + name + " is not a number");
	return seconds;
}

/// The aud claim as its list of audiences (one string, or an array of
/// strings); TokenRejected when absent or of another shape.
std::vector<std::string> audiences(const Poco::JSON::Object& payload)
{
	if (const std::optional<std::string> one = stringClaim(payload, "aud")) return {*one};
	const Poco::JSON::Array::Ptr array = payload.isArray("aud") ? payload.getArray("aud") : nullptr;
	if (!array) throw TokenRejected("the ID token has no aud");
	std::vector<std::string> result;
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
		if (!item.isString()) throw TokenRejected("the ID token's aud holds a non-string");
		result.push_back(item.extract<std::string>());
	}
	return result;
}

/// The groups claim: an array's strings (other elements are skipped: that
/// can only take groups away), or one string as one group.
std::vector<std::string> groups(const Poco::JSON::Object& payload, const std::string& claim)
{
	if (const std::optional<std::string> one = stringClaim(payload, claim)) return {*one};
	std::vector<std::string> result;
	const Poco::JSON::Array::Ptr array = payload.isArray(claim) ? payload.getArray(claim) : nullptr;
	if (!array) return result;
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
		if (item.isString()) result.push_back(item.extract<std::string>());
	}
	return result;
}

} // namespace

const std::set<std::string>& IdTokenVerifier::algorithms()
{
	static const std::set<std::string> kAlgorithms = {Poco::JWT::Signer::ALGO_RS256, Poco::JWT::Signer::ALGO_RS384,
	                                                  Poco::JWT::Signer::ALGO_RS512, Poco::JWT::Signer::ALGO_ES256};
	return kAlgorithms;
}

IdTokenVerifier::IdTokenVerifier(const ClientSettings& settings):
    _issuer(settings.issuer), _clientId(settings.clientId), _leewaySeconds(settings.leewaySeconds),
    _groupsClaim(settings.groupsClaim)
{
	if (_issuer.empty()) throw ConfigurationError("the OpenID Connect issuer is not set");
	if (_clientId.empty()) throw ConfigurationError("the OpenID Connect client id is not set");
	if (_groupsClaim.empty()) throw ConfigurationError("the OpenID Connect groups claim is empty");
	if (_leewaySeconds < 0) throw ConfigurationError("the OpenID Connect clock leeway is negative");
}

Claims IdTokenVerifier::verify(const std::string& idToken, const Jwks& keys, const std::string& expectedNonce,
                               const Poco::Timestamp& now) const
{
	// The compact serialization: header.payload.signature, nothing more.
	if (idToken.size() > kMaxTokenBytes) throw TokenRejected("the ID token is too long");
	if (std::count(idToken.begin(), idToken.end(), '.') != 2) throw TokenRejected("the ID token is not a signed JWT");

	// The header, unverified: it says which algorithm and key to verify with.
	Poco::JWT::Token unverified;
	try
	{
		unverified = Poco::JWT::Token(idToken);
	}
	catch (const Poco::Exception&) // its message holds the token
	{
		throw TokenRejected("the ID token is not a JWT");
	}
	const Poco::JSON::Object& header = unverified.header();
	const std::string alg = stringClaim(header, "alg").value_or("");
	if (algorithms().count(alg) == 0)
		throw TokenRejected("the ID token's algorithm " + shown(alg) + " is not accepted");
	if (header.has("crit")) throw TokenRejected("the ID token's header has critical extensions");
	const std::string kid = stringClaim(header, "kid").value_or("");
	const Jwks::KeyType type = alg[0] == 'E' ? Jwks::KeyType::kEc : Jwks::KeyType::kRsa;
	const Jwks::Key* key = keys.find(kid, type);
	if (!key)
		throw UnknownKey(kid.empty() ? "the ID token names no kid and the key set has no single key for " + alg
		                             : "the key set has no " + alg + " key with kid " + shown(kid));
	if (!key->alg.empty() && key->alg != alg)
		throw TokenRejected("the ID token's algorithm " + alg + " is not its key's " + shown(key->alg));

	// An ES256 signature is r and s, 32 bytes each (RFC 7518, 3.4). Poco's
	// ECDSA verification leaks OpenSSL's signature object on one of another
	// size (found by t/fuzz/oidc), so such a token never gets that far.
	if (type == Jwks::KeyType::kEc)
	{
		const auto signature = Base64::decode(std::string_view(idToken).substr(idToken.rfind('.') + 1), Base64::kUrl);
		if (!signature || signature->size() != 64) throw TokenRejected("the ID token's signature does not verify");
	}

	// The signature, by Poco::JWT, allowing exactly this one algorithm.
	Poco::JWT::Signer signer;
	signer.setAlgorithms({alg});
	if (type == Jwks::KeyType::kRsa)
		signer.setRSAKey(key->rsa);
	else
		signer.setECKey(key->ec);
	Poco::JWT::Token token;
	bool valid = false;
	try
	{
		valid = signer.tryVerify(idToken, token);
	}
	catch (const Poco::Exception&)
	{
		valid = false;
	}
	if (!valid) throw TokenRejected("the ID token's signature does not verify");

	// The claims.
	const Poco::JSON::Object& payload = token.payload();
	const std::optional<std::string> iss = stringClaim(payload, "iss");
	if (!iss) throw TokenRejected("the ID token has no iss");
	if (*iss != _issuer) throw TokenRejected("the ID token's iss " + shown(*iss) + " is not the issuer");

	const std::vector<std::string> aud = audiences(payload);
	if (std::find(aud.begin(), aud.end(), _clientId) == aud.end())
		throw TokenRejected("the ID token's aud does not name this client");
	const std::optional<std::string> azp = stringClaim(payload, "azp");
	if (payload.has("azp") && azp != _clientId) throw TokenRejected("the ID token's azp is not this client");
	if (aud.size() > 1 && !azp) throw TokenRejected("the ID token has several audiences and no azp");

	const double nowS =
	    static_cast<double>(now.epochMicroseconds()) / static_cast<double>(Poco::Timestamp::resolution());
	const std::optional<double> exp = timeClaim(payload, "exp"), iat = timeClaim(payload, "iat"),
	                            nbf = timeClaim(payload, "nbf");
	if (!exp) throw TokenRejected("the ID token has no exp");
	if (*exp <= nowS - _leewaySeconds) throw TokenRejected("the ID token has expired");
	if (!iat) throw TokenRejected("the ID token has no iat");
	if (*iat > nowS + _leewaySeconds) throw TokenRejected("the ID token's iat is in the future");
	if (nbf && *nbf > nowS + _leewaySeconds) throw TokenRejected("the ID token is not valid yet (nbf)");

	const std::optional<std::string> nonce = stringClaim(payload, "nonce");
	if (!nonce) throw TokenRejected("the ID token has no nonce");
	if (expectedNonce.empty() || *nonce != expectedNonce)
		throw TokenRejected("the ID token's nonce is not this login's");

	Claims claims;
	claims.subject = stringClaim(payload, "sub").value_or("");
	if (claims.subject.empty()) throw TokenRejected("the ID token has no sub");
	claims.name = stringClaim(payload, "name").value_or("");
	claims.preferredUsername = stringClaim(payload, "preferred_username").value_or("");
	claims.email = stringClaim(payload, "email").value_or("");
	const Poco::Dynamic::Var verified = payload.get("email_verified");
	claims.emailVerified = verified.isBoolean() && verified.extract<bool>();
	claims.picture = stringClaim(payload, "picture").value_or("");
	claims.groups = groups(payload, _groupsClaim);
	return claims;
}

} // namespace Oidc
} // namespace Nexus
