#include "sso/Provider.h"

#include "config/Settings.h"
#include "oidc/Error.h"

namespace Nexus {
namespace Sso {

namespace {

Oidc::ClientSettings clientSettings(const SsoSettings& s, const std::string& redirectUri)
{
	Oidc::ClientSettings c;
	c.issuer = s.issuer;
	c.clientId = s.clientId;
	c.clientSecret = s.clientSecret;
	c.redirectUri = redirectUri;
	c.scope = s.scopes;
	c.caFile = s.caFile;
	c.leewaySeconds = s.clockLeewayS;
	c.groupsClaim = s.groupsClaim;
	return c;
}

/// The discovery client sends no redirect URI; Oidc::Client wants one set,
/// so it gets the configured one or the issuer (never sent anywhere).
std::string discoveryRedirect(const SsoSettings& s)
{
	return s.redirectUri.empty() ? s.issuer : s.redirectUri;
}

} // namespace

Provider::Provider(const SsoSettings& settings):
    _settings(settings),
    _discovery(std::make_shared<const Oidc::Client>(clientSettings(settings, discoveryRedirect(settings)))),
    _verifier(clientSettings(settings, discoveryRedirect(settings))),
    _metadata([this] { return _discovery->discover(); }), _jwks([this] { return _discovery->fetchJwks(*metadata()); })
{}

void Provider::check(const SsoSettings& settings)
{
	const Oidc::Client client(clientSettings(settings, discoveryRedirect(settings)));
	const Oidc::IdTokenVerifier verifier(client.settings());
}

std::shared_ptr<const Oidc::ProviderMetadata> Provider::metadata()
{
	return _metadata.get();
}

std::shared_ptr<const Oidc::Client> Provider::client(const std::string& redirectUri,
                                                     const Oidc::ProviderMetadata& metadata)
{
	const bool post =
	    !metadata.supportsAuthMethod("client_secret_basic") && metadata.supportsAuthMethod("client_secret_post");
	const Oidc::AuthMethod method = post ? Oidc::AuthMethod::kClientSecretPost : Oidc::AuthMethod::kClientSecretBasic;
	const auto key = std::make_pair(redirectUri, static_cast<int>(method));
	{
		const std::lock_guard<std::mutex> lock(_mutex);
		auto it = _clients.find(key);
		if (it != _clients.end()) return it->second;
	}
	Oidc::ClientSettings settings = clientSettings(_settings, redirectUri);
	settings.authMethod = method;
	auto client = std::make_shared<const Oidc::Client>(std::move(settings));
	const std::lock_guard<std::mutex> lock(_mutex);
	if (_clients.size() < kMaxClients) _clients.emplace(key, client);
	return client;
}

Oidc::Claims Provider::verify(const std::string& idToken, const std::string& nonce)
{
	try
	{
		return _verifier.verify(idToken, *_jwks.get(), nonce);
	}
	catch (const Oidc::UnknownKey&)
	{
		return _verifier.verify(idToken, *_jwks.refetch(), nonce);
	}
}

} // namespace Sso
} // namespace Nexus
