#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace Nexus {
namespace Oidc {

/// How the relying party proves itself at the token endpoint (RFC 6749,
/// section 2.3.1; OpenID Connect Core, section 9).
enum class AuthMethod
{
	kClientSecretBasic, ///< HTTP Basic with the form-encoded id and secret (the default)
	kClientSecretPost,  ///< client_id and client_secret in the form body
};

/// The name the discovery document and the configuration use:
/// "client_secret_basic", "client_secret_post".
const char* authMethodName(AuthMethod method);

/// The method of that name; std::nullopt for any other name.
std::optional<AuthMethod> authMethodNamed(const std::string& name);

/// Everything the relying party is configured with, as plain values (the
/// sso.* keys of the configuration fill it). Client and IdTokenVerifier
/// take it by value; nothing here is read from a file or the environment.
struct ClientSettings
{
	/// The provider, exactly as its discovery document and its tokens write
	/// it ("https://idp.example.com/realms/studio"): compared as a string.
	std::string issuer;
	std::string clientId;
	std::string clientSecret;
	/// The callback URL registered with the provider, sent unchanged.
	std::string redirectUri;
	/// What the authorization request asks for; must include "openid".
	std::string scope = "openid profile email";
	/// A PEM file of the CAs that may sign the provider's TLS certificate;
	/// empty: the system's store (/etc/ssl/certs).
	std::string caFile;
	/// How far the provider's clock may be off ours, for exp, iat and nbf.
	int leewaySeconds = 60;
	/// The ID token claim that lists the user's groups (a JSON array of
	/// strings, or one string); taken as one name, never as a path, since
	/// namespaced claim names hold dots ("https://example.com/groups").
	std::string groupsClaim = "groups";
	AuthMethod authMethod = AuthMethod::kClientSecretBasic;
	/// For the TCP connect and, in Poco, for the TLS handshake too.
	int connectTimeoutS = 5;
	/// For each send and each receive, not the whole exchange: a peer that
	/// stalls a handshake holds a request for up to about connect + 2 x read.
	int readTimeoutS = 5;
	/// A larger response body is refused (BadResponse) without reading it all.
	std::size_t maxResponseBytes = std::size_t{1024} * 1024;
};

} // namespace Oidc
} // namespace Nexus
