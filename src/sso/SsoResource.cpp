#include "sso/SsoResource.h"

#include "audit/AuditLog.h"
#include "config/Settings.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "oidc/Error.h"
#include "oidc/Pkce.h"
#include "routing/Router.h"
#include "sso/CallbackParams.h"
#include "sso/Provider.h"
#include "sso/ReturnTo.h"
#include "sso/SessionStore.h"
#include "sso/SignInPages.h"
#include "sso/SignInRules.h"
#include "ui/Csrf.h"
#include "ui/SessionCookie.h"
#include "util/Hex.h"
#include "util/Random.h"
#include "vault/Envelope.h"
#include "vault/KeyringCache.h"

#include <Poco/Logger.h>
#include <Poco/String.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

namespace Nexus {
namespace Sso {

using Auth::Access;
using Auth::Principal;
using Http::Request;
using Http::Response;
using Ui::SessionCookie;

namespace {

const char* const kSignIn = "sso.sign_in";
const char* const kSignOut = "sso.sign_out";
const char* const kRoleChange = "sso.role_change";

Poco::Logger& logger()
{
	return Poco::Logger::get("sso");
}

Poco::Timestamp secondsAfter(const Poco::Timestamp& t, int seconds)
{
	return t + Poco::Timestamp::TimeDiff(seconds) * Poco::Timestamp::resolution();
}

/// A sub usable as the principal's name and in the gate's header: printable
/// ASCII without spaces, as Auth::Authenticator accepts it.
bool usableSubject(const std::string& sub)
{
	if (sub.empty() || sub.size() > 255) return false;
	for (unsigned char c : sub)
		if (c <= 0x20 || c >= 0x7f) return false;
	return true;
}

/// A refused sign-in's audit row; a row that cannot be written is logged,
/// and the refusal goes out anyway.
void auditRefused(const Request& request, const Principal& principal, const std::string& reason)
{
	try
	{
		Audit::AuditLog::record(request, principal, kSignIn, "sso:" + reason, Audit::Outcome::Denied);
	}
	catch (const std::exception& e)
	{
		logger().warning("request %s: refused sign-in not audited: %s", request.requestId(), std::string(e.what()));
	}
}

Principal principalOf(const SessionUser& user)
{
	return Principal::user(user.userId, user.role == "admin" ? Principal::Role::Admin : Principal::Role::Viewer);
}

} // namespace

SsoResource::SsoResource(const Settings& settings): _settings(settings), _purges(settings.sso.purgeIntervalS)
{
	if (settings.sso.enabled()) _provider = std::make_unique<Provider>(settings.sso);
}

SsoResource::~SsoResource() = default;

void SsoResource::registerRoutes(Routing::Router& router)
{
	router.add("GET", "/api/auth/login", Access::Public,
	           [this](const Request& r, const Principal&) { return login(r); });
	router.add("GET", "/api/auth/callback", Access::Public,
	           [this](const Request& r, const Principal&) { return callback(r); });
	router.add("GET", "/api/auth/me", Access::Public, [this](const Request& r, const Principal&) { return me(r); });
	router.add("GET", "/api/auth/logout", Access::Public,
	           [this](const Request& r, const Principal&) { return logout(r, false); });
	router.add("POST", "/api/auth/logout", Access::Public,
	           [this](const Request& r, const Principal&) { return logout(r, true); });
	router.add("GET", "/api/auth/nexus-gate", Access::Public,
	           [this](const Request& r, const Principal&) { return gate(r); });
	router.add("GET", "/api/auth/verify", Access::Public,
	           [this](const Request& r, const Principal&) { return verify(r); });
}

Response SsoResource::redirectToGate(const Request& request)
{
	std::string target = request.path();
	if (!request.queryString().empty()) target += "?" + request.queryString();
	return SignInPages::redirect("/api/auth/nexus-gate?return_to=" + Request::percentEncode(target));
}

void SsoResource::requireEnabled() const
{
	if (!_provider) throw Http::NotFound("browser sign-in is off on this Nexus (sso.issuer is not set)");
}

std::string SsoResource::redirectUri(const Request& request) const
{
	if (!_settings.sso.redirectUri.empty()) return _settings.sso.redirectUri;
	const std::string origin = request.origin();
	return origin.empty() ? std::string() : origin + "/api/auth/callback";
}

std::string SsoResource::providerName() const
{
	if (!_settings.sso.providerName.empty()) return _settings.sso.providerName;
	try
	{
		return Poco::URI(_settings.sso.issuer).getHost();
	}
	catch (const Poco::Exception&)
	{
		return _settings.sso.issuer;
	}
}

std::optional<Session> SsoResource::liveSession(const Request& request) const
{
	const auto cookie = SessionCookie::value(request);
	if (!cookie) return std::nullopt;
	auto session = SessionStore::findLive(SessionCookie::hash(*cookie), Poco::Timestamp(),
	                                      _settings.sso.sessionIdleTimeoutS, kTouchSeconds);
	purgeNowAndThen();
	return session;
}

void SsoResource::purgeNowAndThen() const
{
	if (!_purges.due(Poco::Timestamp().epochTime())) return;
	try
	{
		const auto removed = SessionStore::purge(Poco::Timestamp(), _settings.sso.sessionIdleTimeoutS);
		if (removed) logger().information("purged %Lu expired login states and sessions", removed);
	}
	catch (const std::exception& e)
	{
		logger().warning("purging expired sessions failed: %s", std::string(e.what()));
	}
}

Response SsoResource::login(const Request& request)
{
	requireEnabled();
	std::string returnTo = ReturnTo::kDefault;
	if (auto asked = request.query("return_to"); asked && !asked->empty())
	{
		const auto checked = ReturnTo::check(*asked);
		if (!checked)
			return SignInPages::failure(request, 400, "bad_request",
			                            "return_to must be a path on this site: one '/' first, no scheme or host");
		returnTo = *checked;
	}
	const std::string redirect = redirectUri(request);
	if (redirect.empty())
		return SignInPages::failure(request, 400, "bad_request",
		                            "this request does not say which site it is for (scheme and Host); set "
		                            "sso.redirect_uri");
	purgeNowAndThen();
	std::string location;
	try
	{
		const auto metadata = _provider->metadata();
		const auto client = _provider->client(redirect, *metadata);
		const std::string state = Random::urlSafe();
		LoginState login{Random::urlSafe(), Oidc::Pkce::newVerifier(), returnTo};
		SessionStore::saveLoginState(Digest::sha256Hex(state), login,
		                             secondsAfter(Poco::Timestamp(), kLoginStateSeconds));
		location = client->authorizationUrl(*metadata, state, login.nonce, Oidc::Pkce::challenge(login.codeVerifier));
	}
	catch (const Oidc::ProviderUnreachable& e)
	{
		logger().warning("request %s: sign-in provider unreachable: %s", request.requestId(), std::string(e.what()));
		return SignInPages::failure(request, 503, "unavailable",
		                            "the sign-in provider cannot be reached right now; try again in a moment");
	}
	catch (const Oidc::Error& e)
	{
		logger().error("request %s: sign-in provider unusable: %s", request.requestId(), std::string(e.what()));
		return SignInPages::failure(request, 502, "bad_gateway",
		                            "the sign-in provider answered something Nexus cannot use; its log says more");
	}
	return SignInPages::redirect(location);
}

Response SsoResource::callback(const Request& request)
{
	requireEnabled();
	const Poco::Timestamp now;
	const CallbackParams params = CallbackParams::read(request);
	std::optional<LoginState> login;
	if (params.state) login = SessionStore::takeLoginState(Digest::sha256Hex(*params.state), now);

	if (params.refusal)
	{
		auditRefused(request, Principal::anonymous(), "provider_error");
		return SignInPages::failure(request, 401, "sign_in_refused", *params.refusal,
		                            login ? login->returnTo : std::string(ReturnTo::kDefault));
	}
	if (!login)
	{
		auditRefused(request, Principal::anonymous(), "invalid_state");
		return SignInPages::failure(request, 400, "invalid_state",
		                            "this sign-in is unknown, has expired or was already completed; start again");
	}
	if (!params.code)
	{
		auditRefused(request, Principal::anonymous(), "no_code");
		return SignInPages::failure(request, 400, "bad_request", "the sign-in provider sent no authorization code");
	}

	std::string idToken;
	Oidc::Claims claims;
	try
	{
		const auto metadata = _provider->metadata();
		const auto client = _provider->client(redirectUri(request), *metadata);
		const Oidc::TokenResponse tokens = client->exchangeCode(*metadata, *params.code, login->codeVerifier);
		if (!tokens.ok())
		{
			auditRefused(request, Principal::anonymous(), "code_refused");
			return SignInPages::failure(request, 401, "sign_in_failed",
			                            "the sign-in provider did not accept the sign-in: " +
			                                CallbackParams::clip(tokens.error));
		}
		idToken = tokens.idToken;
		claims = _provider->verify(idToken, login->nonce);
	}
	catch (const Oidc::ProviderUnreachable& e)
	{
		logger().warning("request %s: sign-in provider unreachable: %s", request.requestId(), std::string(e.what()));
		auditRefused(request, Principal::anonymous(), "provider_unreachable");
		return SignInPages::failure(request, 503, "unavailable",
		                            "the sign-in provider cannot be reached right now; try again in a moment");
	}
	catch (const Oidc::TokenRejected& e)
	{
		logger().warning("request %s: ID token refused: %s", request.requestId(), std::string(e.what()));
		auditRefused(request, Principal::anonymous(), "token_rejected");
		return SignInPages::failure(request, 401, "sign_in_failed",
		                            "the sign-in provider's answer did not pass Nexus's checks; start again");
	}
	catch (const Oidc::Error& e)
	{
		logger().error("request %s: sign-in provider unusable: %s", request.requestId(), std::string(e.what()));
		auditRefused(request, Principal::anonymous(), "bad_response");
		return SignInPages::failure(request, 502, "bad_gateway",
		                            "the sign-in provider answered something Nexus cannot use; its log says more");
	}
	if (!usableSubject(claims.subject))
	{
		auditRefused(request, Principal::anonymous(), "unusable_subject");
		return SignInPages::failure(request, 502, "bad_gateway", "the sign-in provider's user id cannot be used");
	}
	SessionUser user;
	user.userId = claims.subject;
	user.name = !claims.name.empty()                ? claims.name
	            : !claims.preferredUsername.empty() ? claims.preferredUsername
	                                                : claims.email;
	user.email = claims.email;
	user.image = claims.picture;
	const auto role = SignInRules::roleOf(_settings.sso, claims);
	if (!role)
	{
		auditRefused(request, Principal::user(user.userId), "not_allowed");
		return SignInPages::failure(request, 403, "forbidden",
		                            (user.name.empty() ? std::string("You") : CallbackParams::clip(user.name)) +
		                                " may not use this Nexus (sso.allowed_users, sso.allowed_groups); ask its "
		                                "admin");
	}
	user.role = Principal::roleName(*role);

	const std::string cookie = SessionCookie::newValue();
	const std::string tokenHash = SessionCookie::hash(cookie);
	std::string record;
	try
	{
		const auto keyring = Vault::KeyringCache::current(_settings.vaultKeyringFile);
		record = Vault::Envelope::seal(*keyring, "sso-session:" + tokenHash, idToken);
	}
	catch (const std::exception& e)
	{
		logger().warning("request %s: the ID token is not kept (no id_token_hint at sign-out): %s", request.requestId(),
		                 std::string(e.what()));
	}
	const Principal principal = principalOf(user);
	// A role that differs from the user's last sign-in is a change of who may
	// do what: its own audit row, the target naming both roles.
	SessionStore::recordSignIn(user.userId, user.role, now, Audit::Change(request, principal, kRoleChange));
	const auto id =
	    SessionStore::createSession(tokenHash, user, record, now, secondsAfter(now, _settings.sso.sessionLifetimeS));
	Audit::AuditLog::record(request, principal, kSignIn, "sso-session:" + std::to_string(id), Audit::Outcome::Ok);
	Response response = SignInPages::redirect(login->returnTo);
	response.addHeader("Set-Cookie", SessionCookie::set(request, cookie, _settings.sso.sessionLifetimeS));
	return response;
}

Response SsoResource::me(const Request& request) const
{
	requireEnabled();
	const auto session = liveSession(request);
	if (!session) throw Http::Unauthorized("not signed in: no live session (sign in at /api/auth/login)");
	auto o = Http::Json::object();
	o->set("userId", session->user.userId);
	o->set("name", session->user.name);
	o->set("email", session->user.email);
	o->set("image", session->user.image);
	Poco::JSON::Array roles;
	roles.add(session->user.role);
	o->set("roles", roles);
	return Response::json(200, *o);
}

Response SsoResource::logout(const Request& request, bool form)
{
	requireEnabled();
	const auto cookie = SessionCookie::value(request);
	if (form)
	{
		try
		{
			Ui::Csrf::check(request);
		}
		catch (const Http::HttpError& e)
		{
			return SignInPages::failure(request, e.status(), e.code(), e.what());
		}
	}
	std::optional<Session> session;
	if (cookie) session = SessionStore::remove(SessionCookie::hash(*cookie));
	std::string idToken;
	if (session)
	{
		Audit::AuditLog::record(request, principalOf(session->user), kSignOut,
		                        "sso-session:" + std::to_string(session->id), Audit::Outcome::Ok);
		if (!session->idTokenRecord.empty())
		{
			try
			{
				const auto keyring = Vault::KeyringCache::current(_settings.vaultKeyringFile);
				idToken = Vault::Envelope::open(*keyring, "sso-session:" + SessionCookie::hash(*cookie),
				                                session->idTokenRecord);
			}
			catch (const std::exception& e)
			{
				logger().warning("request %s: the session's ID token cannot be opened: %s", request.requestId(),
				                 std::string(e.what()));
			}
		}
	}
	std::string location = "/api/auth/nexus-gate";
	try
	{
		const auto metadata = _provider->metadata();
		if (!metadata->endSessionEndpoint().empty())
		{
			Poco::URI uri(metadata->endSessionEndpoint());
			if (!idToken.empty()) uri.addQueryParameter("id_token_hint", idToken);
			if (!request.origin().empty()) uri.addQueryParameter("post_logout_redirect_uri", request.origin() + "/");
			uri.addQueryParameter("client_id", _settings.sso.clientId);
			location = uri.toString();
		}
	}
	catch (const std::exception& e)
	{
		// Signed out of Nexus all the same; the provider's session stays.
		logger().warning("request %s: no provider sign-out: %s", request.requestId(), std::string(e.what()));
	}
	Response response = form ? SignInPages::signedOut(location) : SignInPages::redirect(location);
	response.addHeader("Set-Cookie", SessionCookie::clear(request));
	// The gate page, where the browser lands in the end, says it is signed out.
	response.addHeader("Set-Cookie", SessionCookie::markSignedOut(request));
	return response;
}

Response SsoResource::gate(const Request& request) const
{
	requireEnabled();
	std::string returnTo = ReturnTo::kDefault;
	if (auto asked = request.query("return_to"))
		if (auto checked = ReturnTo::check(*asked)) returnTo = *checked;
	// Said once: a reload, or the next visit, is the plain gate again.
	const bool signedOut = SessionCookie::signedOut(request);
	Response response = SignInPages::gate(providerName(), returnTo, signedOut);
	if (signedOut)
	{
		response.addHeader("Set-Cookie", SessionCookie::clearSignedOut(request));
		response.addHeader("Cache-Control", "no-store");
	}
	return response;
}

Response SsoResource::verify(const Request& request) const
{
	// A bearer token wins over any session, so its requests need no lookup.
	if (request.header("authorization") || !_provider) return Response::noContent();
	std::optional<Session> session;
	try
	{
		session = liveSession(request);
	}
	catch (const Http::Unavailable& e)
	{
		// The route behind the gate answers for itself (503 too, when it needs the database).
		logger().warning("request %s: session not checked: %s", request.requestId(), std::string(e.what()));
	}
	Response response = Response::noContent();
	if (session)
	{
		response.addHeader("X-Nexus-Sso-User", session->user.userId);
		response.addHeader("X-Nexus-Sso-Roles", session->user.role);
		// Percent-encoded: a header value is no place for a name's UTF-8 or controls.
		if (!session->user.name.empty())
			response.addHeader("X-Nexus-Sso-Name", Request::percentEncode(session->user.name));
	}
	return response;
}

} // namespace Sso
} // namespace Nexus
