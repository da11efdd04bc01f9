#pragma once

#include <string>
#include <vector>

namespace Nexus {
namespace Oidc {

/// What an OpenID provider says about itself in its discovery document
/// (OpenID Connect Discovery 1.0, section 3; fetched from the issuer's
/// /.well-known/openid-configuration, see discoveryUrl()).
///
/// A ProviderMetadata exists only for a document that passed every check of
/// parse(), so whoever holds one may use its endpoints as they are. A plain
/// value: copy it freely.
class ProviderMetadata
{
public:
	/// The URL of issuer's discovery document: issuer without a trailing
	/// '/', then "/.well-known/openid-configuration".
	static std::string discoveryUrl(const std::string& issuer);

	/// Parses and checks a discovery document for the configured issuer.
	/// Throws BadResponse naming the field when the text is not a JSON
	/// object; its "issuer" is not exactly expectedIssuer (a plain string
	/// comparison, as the specification demands: "https://idp/" and
	/// "https://idp" differ); authorization_endpoint, token_endpoint or
	/// jwks_uri is missing; any endpoint is not https (plain http only when
	/// the issuer and the endpoint are both on a loopback host); or
	/// code_challenge_methods_supported is given without "S256".
	static ProviderMetadata parse(const std::string& json, const std::string& expectedIssuer);

	const std::string& issuer() const { return _issuer; }
	const std::string& authorizationEndpoint() const { return _authorizationEndpoint; }
	const std::string& tokenEndpoint() const { return _tokenEndpoint; }
	const std::string& jwksUri() const { return _jwksUri; }
	/// Empty when the provider offers no RP-initiated logout.
	const std::string& endSessionEndpoint() const { return _endSessionEndpoint; }
	/// Empty when the provider names none.
	const std::string& userinfoEndpoint() const { return _userinfoEndpoint; }

	/// token_endpoint_auth_methods_supported; ["client_secret_basic"], the
	/// specification's default, when the document leaves it out.
	const std::vector<std::string>& tokenEndpointAuthMethods() const { return _tokenEndpointAuthMethods; }
	/// id_token_signing_alg_values_supported; ["RS256"], which every
	/// provider must support, when the document leaves it out.
	const std::vector<std::string>& idTokenSigningAlgs() const { return _idTokenSigningAlgs; }
	/// code_challenge_methods_supported; empty when the document does not
	/// say (PKCE is then sent anyway: a provider without it ignores it).
	const std::vector<std::string>& codeChallengeMethods() const { return _codeChallengeMethods; }

	/// True when tokenEndpointAuthMethods() names method ("client_secret_post").
	bool supportsAuthMethod(const std::string& method) const;

private:
	ProviderMetadata() = default;

	std::string _issuer;
	std::string _authorizationEndpoint;
	std::string _tokenEndpoint;
	std::string _jwksUri;
	std::string _endSessionEndpoint;
	std::string _userinfoEndpoint;
	std::vector<std::string> _tokenEndpointAuthMethods;
	std::vector<std::string> _idTokenSigningAlgs;
	std::vector<std::string> _codeChallengeMethods;
};

} // namespace Oidc
} // namespace Nexus
