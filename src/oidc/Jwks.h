#pragma once

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/SharedPtr.h>

#include <string>
#include <vector>

namespace Nexus {
namespace Oidc {

/// A provider's signing keys, from its JSON Web Key Set (RFC 7517, at the
/// discovery document's jwks_uri), as public keys Poco::JWT::Signer takes.
///
/// Only what can verify an ID token is kept: RSA keys (kty "RSA", n and e,
/// 2048 bits or more) and EC keys on P-256 (kty "EC", crv "P-256", x and y).
/// A key whose "use" is not "sig", whose "key_ops" lack "verify", of another
/// type or curve, or that does not form a valid public key is left out, so
/// one odd key never makes the whole set unusable. An immutable value: share
/// one set between threads freely (std::shared_ptr<const Jwks>).
class Jwks
{
public:
	enum class KeyType
	{
		kRsa,
		kEc,
	};

	/// One verification key. Exactly one of rsa and ec is set, by type.
	struct Key
	{
		std::string kid; ///< may be empty
		std::string alg; ///< the JWK's "alg"; empty when it names none
		KeyType type = KeyType::kRsa;
		Poco::SharedPtr<Poco::Crypto::RSAKey> rsa;
		Poco::SharedPtr<Poco::Crypto::ECKey> ec;
	};

	/// Parses a key set. Throws BadResponse when json is not a JSON object
	/// with a "keys" array of objects; the keys themselves are filtered as
	/// the class comment says, and the result may be empty.
	static Jwks parse(const std::string& json);

	/// The key for a token whose header names kid and an algorithm of type:
	/// the first key of that type with that kid; when kid is empty, the only
	/// key of that type if the set has exactly one. nullptr otherwise.
	const Key* find(const std::string& kid, KeyType type) const;

	const std::vector<Key>& keys() const { return _keys; }

private:
	std::vector<Key> _keys;
};

} // namespace Oidc
} // namespace Nexus
