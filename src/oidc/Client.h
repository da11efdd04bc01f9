#pragma once

#include "oidc/ClientSettings.h"
#include "oidc/Jwks.h"
#include "oidc/ProviderMetadata.h"

#include <Poco/Net/Context.h>
#include <Poco/URI.h>

#include <string>

namespace Poco {
namespace Net {
class HTTPRequest;
}
} // namespace Poco

namespace Nexus {
namespace Oidc {

/// The token endpoint's answer to a code exchange (RFC 6749, sections 5.1
/// and 5.2). Either ok() with idToken set, or error set (and the tokens
/// empty) when the provider refused the request, say "invalid_grant" for a
/// code that was used or has expired.
struct TokenResponse
{
	std::string idToken;
	std::string accessToken;
	std::string tokenType;
	long long expiresIn = 0; ///< seconds; 0 when the provider does not say
	std::string error;
	std::string errorDescription;

	bool ok() const { return error.empty(); }
};

/// The relying party's side of the conversation with the provider: the
/// authorization URL the browser is sent to, and the three requests Nexus
/// makes itself (discovery, the key set, the code exchange).
///
/// Transport: https with the provider's certificate and host name verified
/// (against ClientSettings::caFile, else the system's CAs), TLS 1.2 or
/// newer; plain http only to a loopback host. Every request has the
/// settings' connect and read timeouts, a response larger than
/// maxResponseBytes is refused, and a redirect is an error, never followed.
/// Each request opens its own connection, so one Client serves every
/// thread; it holds no state but its settings and TLS context. Make one per
/// process and keep it: the constructor reads the CA store.
///
/// Errors: ProviderUnreachable when no answer came (refused or failed
/// connection, DNS, TLS or certificate failure, timeout, 502/503/504);
/// BadResponse for an answer we refuse; ConfigurationError for settings or
/// a URL we may not use (raised before connecting).
class Client
{
public:
	/// Checks the settings: issuer an allowed URL (Url::isAllowed), client
	/// id, secret and redirect URI set, scope holding "openid", positive
	/// timeouts and size limit, caFile readable when set. Throws
	/// ConfigurationError naming the setting.
	explicit Client(ClientSettings settings);

	const ClientSettings& settings() const { return _settings; }

	/// Fetches and checks the issuer's discovery document
	/// (ProviderMetadata::discoveryUrl, ProviderMetadata::parse).
	ProviderMetadata discover() const;

	/// Fetches the provider's key set from metadata.jwksUri() (Jwks::parse).
	Jwks fetchJwks(const ProviderMetadata& metadata) const;

	/// The URL to send the browser to for one login: the authorization
	/// endpoint with response_type=code, client_id, redirect_uri, scope,
	/// state, nonce and the PKCE challenge (code_challenge_method=S256).
	std::string authorizationUrl(const ProviderMetadata& metadata, const std::string& state, const std::string& nonce,
	                             const std::string& codeChallenge) const;

	/// Redeems an authorization code at metadata.tokenEndpoint()
	/// (grant_type=authorization_code with code, redirect_uri and
	/// code_verifier), the client authenticating by settings().authMethod.
	/// A 400 or 401 carrying an OAuth error is returned as such; a success
	/// without an id_token, or any other status, throws BadResponse (or
	/// ProviderUnreachable, see above). The ID token is returned unverified:
	/// pass it to IdTokenVerifier.
	TokenResponse exchangeCode(const ProviderMetadata& metadata, const std::string& code,
	                           const std::string& codeVerifier) const;

	/// The token endpoint's answer (status and body) as exchangeCode()
	/// returns it, or its exception (BadResponse, ProviderUnreachable): the
	/// part of the exchange that involves no connection.
	static TokenResponse tokenResponse(int status, const std::string& body);

	/// GETs url (Accept: application/json) and returns the body of a 200.
	/// what names the document in errors ("the key set").
	std::string getDocument(const std::string& url, const std::string& what) const;

private:
	struct Answer
	{
		int status = 0;
		std::string body;
	};

	/// Sends request (with body, for a POST) to uri and reads the answer.
	Answer send(const Poco::URI& uri, Poco::Net::HTTPRequest& request, const std::string& body,
	            const std::string& what) const;

	ClientSettings _settings;
	Poco::Net::Context::Ptr _context;
};

} // namespace Oidc
} // namespace Nexus
