#pragma once

#include <optional>
#include <string>

namespace Nexus {
namespace Http {
class Request;
}

namespace Ui {

/// The browser's session cookie: 256 random bits (base64url), of which the
/// database keeps only the SHA-256 (hash()).
///
/// Over https it is "__Host-nexus_session" with Secure; HttpOnly;
/// SameSite=Lax; Path=/ (the __Host- prefix makes the browser refuse one
/// set by another host or without Secure). Over plain http, which only the
/// dev and test stacks on 127.0.0.1 use, a browser would drop a Secure
/// cookie, so there it is "nexus_session" without Secure; a request that
/// came over https reads only the __Host- cookie, so a plain one planted by
/// an http page never counts there. A request whose scheme nginx did not
/// pass is treated as https.
class SessionCookie
{
public:
	static constexpr const char* kSecureName = "__Host-nexus_session";
	static constexpr const char* kPlainName = "nexus_session";

	/// A new cookie value (Random: 32 bytes, 43 characters).
	static std::string newValue();

	/// The cookie's name for request (by its scheme).
	static std::string name(const Http::Request& request);

	/// The request's session cookie when it has one of the right name and
	/// shape (43 base64url characters); nullopt otherwise.
	static std::optional<std::string> value(const Http::Request& request);

	/// The Set-Cookie header value that stores value for maxAgeSeconds.
	static std::string set(const Http::Request& request, const std::string& value, int maxAgeSeconds);

	/// The Set-Cookie header value that deletes the cookie.
	static std::string clear(const Http::Request& request);

	/// What the database keys a session by: SHA-256 hex of value.
	static std::string hash(const std::string& value);

	/// The mark a sign-out leaves for the gate page, so that the page a
	/// browser lands on after signing out (here, or by way of the provider's
	/// sign-out) can say so. It holds no secret and proves nothing: only
	/// "1", for Path=/api/auth/nexus-gate, HttpOnly; SameSite=Lax, for
	/// kSignedOutMaxAge seconds; over https "__Secure-nexus_signed_out"
	/// with Secure, over http "nexus_signed_out".
	static constexpr const char* kSignedOutSecureName = "__Secure-nexus_signed_out";
	static constexpr const char* kSignedOutPlainName = "nexus_signed_out";
	static constexpr int kSignedOutMaxAge = 600;

	/// The Set-Cookie header value that leaves the sign-out mark.
	static std::string markSignedOut(const Http::Request& request);

	/// Whether request carries the sign-out mark (of its scheme's name).
	static bool signedOut(const Http::Request& request);

	/// The Set-Cookie header value that removes the sign-out mark.
	static std::string clearSignedOut(const Http::Request& request);

	/// The CSRF token of the session value holds, for the forms it posts:
	/// base64url(SHA-256("nexus-csrf:" + value)). Only the browser holding
	/// the cookie (HttpOnly) gets it, from a page Nexus rendered for it.
	static std::string csrfToken(const std::string& value);
};

} // namespace Ui
} // namespace Nexus
