#include "oidc/ProviderMetadata.h"

#include "oidc/Document.h"
#include "oidc/Error.h"
#include "oidc/Url.h"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>

namespace Nexus {
namespace Oidc {

namespace {

const char kWellKnown[] = "/.well-known/openid-configuration";

/// field's URL as an absolute URL without a fragment.
Poco::URI absoluteUrl(const std::string& url, const std::string& field)
{
	Poco::URI uri;
	try
	{
		uri = Poco::URI(url);
	}
	catch (const Poco::SyntaxException&)
	{
		throw BadResponse("the discovery document's " + field + " is not a URL: " + url);
	}
	if (uri.getHost().empty() || !uri.getFragment().empty())
		throw BadResponse("the discovery document's " + field + " is not an absolute URL without a fragment: " + url);
	return uri;
}

/// Checks that field's URL may be used: https, or http when both it and the
/// issuer are on this machine.
void checkScheme(const Poco::URI& uri, const std::string& url, const std::string& field, bool loopbackIssuer)
{
	if (uri.getScheme() == "https") return;
	if (uri.getScheme() == "http" && loopbackIssuer && Url::isLoopbackHost(uri.getHost())) return;
	throw BadResponse("the discovery document's " + field + " is not https: " + url);
}

} // namespace

std::string ProviderMetadata::discoveryUrl(const std::string& issuer)
{
	std::string url = issuer;
	if (!url.empty() && url.back() == '/') url.pop_back();
	return url + kWellKnown;
}

ProviderMetadata ProviderMetadata::parse(const std::string& json, const std::string& expectedIssuer)
{
	const Document document = Document::parse(json, "the discovery document");
	ProviderMetadata m;
	m._issuer = document.string("issuer");
	if (m._issuer != expectedIssuer)
		throw BadResponse("the discovery document's issuer \"" + m._issuer + "\" is not the configured issuer \"" +
		                  expectedIssuer + "\"");
	const Poco::URI issuer = absoluteUrl(m._issuer, "issuer");
	if (!issuer.getRawQuery().empty()) throw BadResponse("the discovery document's issuer has a query: " + m._issuer);
	const bool loopbackIssuer = Url::isLoopbackHost(issuer.getHost());
	checkScheme(issuer, m._issuer, "issuer", loopbackIssuer);

	struct Endpoint
	{
		const char* field;
		std::string* member;
		bool required;
	};
	const Endpoint endpoints[] = {
	    {"authorization_endpoint", &m._authorizationEndpoint, true},
	    {"token_endpoint", &m._tokenEndpoint, true},
	    {"jwks_uri", &m._jwksUri, true},
	    {"end_session_endpoint", &m._endSessionEndpoint, false},
	    {"userinfo_endpoint", &m._userinfoEndpoint, false},
	};
	for (const Endpoint& e : endpoints)
	{
		*e.member = e.required ? document.string(e.field) : document.optionalString(e.field).value_or("");
		if (!e.member->empty()) checkScheme(absoluteUrl(*e.member, e.field), *e.member, e.field, loopbackIssuer);
	}

	m._tokenEndpointAuthMethods = document.optionalStringArray("token_endpoint_auth_methods_supported")
	                                  .value_or(std::vector<std::string>{"client_secret_basic"});
	m._idTokenSigningAlgs = document.optionalStringArray("id_token_signing_alg_values_supported")
	                            .value_or(std::vector<std::string>{"RS256"});
	m._codeChallengeMethods =
	    document.optionalStringArray("code_challenge_methods_supported").value_or(std::vector<std::string>{});
	if (!m._codeChallengeMethods.empty() && std::find(m._codeChallengeMethods.begin(), m._codeChallengeMethods.end(),
	                                                  "S256") == m._codeChallengeMethods.end())
		throw BadResponse("the provider does not support PKCE with S256 (code_challenge_methods_supported)");
	return m;
}

bool ProviderMetadata::supportsAuthMethod(const std::string& method) const
{
	return std::find(_tokenEndpointAuthMethods.begin(), _tokenEndpointAuthMethods.end(), method) !=
	       _tokenEndpointAuthMethods.end();
}

} // namespace Oidc
} // namespace Nexus
