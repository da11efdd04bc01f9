#pragma once

#include "oidc/Cache.h"
#include "oidc/Client.h"
#include "oidc/IdTokenVerifier.h"
#include "oidc/Jwks.h"
#include "oidc/ProviderMetadata.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace Nexus {
struct SsoSettings;

namespace Sso {

/// The configured OpenID provider as one worker process sees it: its
/// discovery document and key set (each an Oidc::Cache, so a burst of
/// sign-ins costs the provider one fetch), the ID token verifier, and an
/// Oidc::Client per redirect URI (the URI is the request's origin unless
/// sso.redirect_uri is set; at most kMaxClients are kept, as each holds a
/// TLS context). Thread-safe; one per process.
///
/// Errors are the Oidc ones (src/oidc/Error.h): ProviderUnreachable,
/// BadResponse, TokenRejected, ConfigurationError.
class Provider
{
public:
	static constexpr std::size_t kMaxClients = 16;

	/// Checks settings as the relying party will use them (issuer URL,
	/// client id and secret, scopes, CA file). Throws Oidc::ConfigurationError
	/// naming the problem. Fetches nothing.
	explicit Provider(const SsoSettings& settings);
	~Provider() = default;

	Provider(const Provider&) = delete;
	Provider& operator=(const Provider&) = delete;

	/// The same checks, for start-up (nexus-fcgi refuses bad sso.* settings).
	static void check(const SsoSettings& settings);

	/// The discovery document (cached; see Oidc::Cache::get).
	std::shared_ptr<const Oidc::ProviderMetadata> metadata();

	/// The client that sends redirectUri, authenticating as metadata asks
	/// (client_secret_basic unless only client_secret_post is offered).
	std::shared_ptr<const Oidc::Client> client(const std::string& redirectUri, const Oidc::ProviderMetadata& metadata);

	/// Verifies idToken against the cached key set, fetching it again once
	/// when the token's key is not in it (a rotated key).
	Oidc::Claims verify(const std::string& idToken, const std::string& nonce);

private:
	const SsoSettings& _settings;
	std::shared_ptr<const Oidc::Client> _discovery; ///< for discovery and the key set only
	Oidc::IdTokenVerifier _verifier;
	Oidc::Cache<Oidc::ProviderMetadata> _metadata;
	Oidc::Cache<Oidc::Jwks> _jwks;

	std::mutex _mutex; ///< guards _clients
	std::map<std::pair<std::string, int>, std::shared_ptr<const Oidc::Client>> _clients;
};

} // namespace Sso
} // namespace Nexus
