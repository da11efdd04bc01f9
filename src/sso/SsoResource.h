#pragma once

#include "auth/Principal.h"
#include "http/Request.h"
#include "http/Response.h"
#include "sso/SessionStore.h"
#include "util/Periodic.h"

#include <memory>
#include <optional>
#include <string>

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Sso {

class Provider;

/// Browser sign-in, /api/auth: Nexus as the OpenID Connect relying party
/// (authorization code flow with PKCE S256, state and nonce) and the
/// validator nginx's SSO gate asks (auth_request).
///
///   GET  /api/auth/login?return_to=   a login state row, then 302 to the provider
///   GET  /api/auth/callback           state (single use), code exchange, ID token, session cookie, 302 to return_to
///   GET  /api/auth/me                 the signed-in user, or 401
///   GET  /api/auth/logout             ends the session (the spec's route)
///   POST /api/auth/logout             the same, for a form: CSRF token and Origin checked
///   GET  /api/auth/nexus-gate         the sign-in page a browser without a session is sent to
///   GET  /api/auth/verify             nginx's validator: 204, with X-Nexus-Sso-User/-Roles/-Name for a live session
///
/// Every route is Public in the policy table: each reads the session cookie
/// itself. With sso.issuer empty all but verify answer 404 and verify
/// identifies nobody. Sign-ins (allowed and refused) and sign-outs are
/// audited ("sso.sign_in", "sso.sign_out", principal user:<sub>).
///
/// Expired login states and sessions are purged by the requests that look
/// up a session (verify, me) and by logins: by the first of them once
/// sso.purge_interval_s has passed in this process (util/Periodic.h), so
/// the others pay nothing for it.
class SsoResource
{
public:
	/// A login state is good for this long.
	static constexpr int kLoginStateSeconds = 600;
	/// A session is marked seen at most this often (SessionStore::findLive).
	static constexpr int kTouchSeconds = 60;

	/// settings must outlive the resource. Throws Oidc::ConfigurationError
	/// when sign-in is on and its settings are unusable.
	explicit SsoResource(const Settings& settings);
	~SsoResource();

	SsoResource(const SsoResource&) = delete;
	SsoResource& operator=(const SsoResource&) = delete;

	/// Adds the routes above to router; they use the resource, which must
	/// outlive router.
	void registerRoutes(Routing::Router& router);

	/// The 302 that sends a browser without a session to the gate page, with
	/// the request's path and query as return_to.
	static Http::Response redirectToGate(const Http::Request& request);

	Http::Response login(const Http::Request& request);
	Http::Response callback(const Http::Request& request);
	Http::Response me(const Http::Request& request) const;
	Http::Response logout(const Http::Request& request, bool form);
	Http::Response gate(const Http::Request& request) const;
	Http::Response verify(const Http::Request& request) const;

private:
	/// The redirect URI for request: sso.redirect_uri, else its origin + /api/auth/callback.
	std::string redirectUri(const Http::Request& request) const;
	/// sso.provider_name, else the issuer's host.
	std::string providerName() const;
	/// The live session of request's cookie (nullopt: no cookie, or none
	/// live), then a purge when one is due. Throws Http::Unavailable when
	/// the database is gone.
	std::optional<Session> liveSession(const Http::Request& request) const;
	/// Purges expired rows when sso.purge_interval_s has passed since this
	/// process last did; a failure is logged, never thrown.
	void purgeNowAndThen() const;
	/// Throws NotFound when sign-in is off.
	void requireEnabled() const;

	const Settings& _settings;
	std::unique_ptr<Provider> _provider; ///< null when sign-in is off
	mutable Periodic _purges;            ///< thread-safe: when purgeNowAndThen purges
};

} // namespace Sso
} // namespace Nexus
