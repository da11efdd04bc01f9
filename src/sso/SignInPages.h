#pragma once

#include "http/Response.h"

#include <string>

namespace Nexus {
namespace Http {
class Request;
}

namespace Sso {

/// What browser sign-in shows: the gate page, and the answer to a failed
/// sign-in (an HTML page for a browser, the usual JSON error otherwise).
/// Pages are Http::Html pages: no script, a strict Content-Security-Policy,
/// every value escaped.
class SignInPages
{
public:
	/// GET /api/auth/nexus-gate: "Sign in with <providerName>", why the
	/// browser is here, and where it goes back to after signing in; with
	/// signedOut (the browser comes from signing out), "You are signed out."
	/// first.
	static Http::Response gate(const std::string& providerName, const std::string& returnTo, bool signedOut = false);

	/// A failed sign-in or sign-out: status with {"error": code, "message"}
	/// for a client, or a page saying message, with a way to try again (the
	/// gate page, going back to returnTo, a checked ReturnTo) for a browser
	/// (Http::Html::wanted). message is shown: never a token or code. A 503
	/// carries Retry-After, a 401 WWW-Authenticate (as the API's do).
	static Http::Response failure(const Http::Request& request, int status, const std::string& code,
	                              const std::string& message, const std::string& returnTo = "/");

	/// A 302 to location, not to be cached.
	static Http::Response redirect(const std::string& location);

	/// The answer to the sign-out form: "Signed out", going on to location
	/// (the provider's sign-out) by a Refresh header, with a link as well.
	/// Not a redirect: a browser checks the pages' CSP form-action ('self')
	/// against every redirect a form's POST leads to, and would block the
	/// one to the provider.
	static Http::Response signedOut(const std::string& location);
};

} // namespace Sso
} // namespace Nexus
