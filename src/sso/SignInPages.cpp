#include "sso/SignInPages.h"

#include "http/Html.h"
#include "http/Request.h"

namespace Nexus {
namespace Sso {

using Http::Html::escape;

namespace {

std::string loginLink(const std::string& returnTo)
{
	return "/api/auth/login?return_to=" + Http::Request::percentEncode(returnTo);
}

} // namespace

Http::Response SignInPages::gate(const std::string& providerName, const std::string& returnTo, bool signedOut)
{
	std::string body =
	    signedOut
	        ? "<p class=\"notice done\" id=\"nexus-gate-signed-out\">You are signed out.</p>\n<p>Sign in again to "
	          "go on using Nexus.</p>\n"
	        : "<p>This part of Nexus is for signed-in people. Your browser has no session here (or it has "
	          "ended), so you need to sign in first.</p>\n";
	body += "<p><a id=\"nexus-sign-in\" href=\"" + escape(loginLink(returnTo)) + "\"><strong>Sign in with " +
	        escape(providerName) + "</strong></a></p>\n";
	body += "<p class=\"muted\">After signing in you go back to <code id=\"nexus-return-to\">" + escape(returnTo) +
	        "</code>.</p>\n";
	body += "<p class=\"muted\">Agents and scripts do not sign in here: they send their bearer token.</p>\n";
	return Http::Html::page(200, "Sign in to Nexus", body);
}

Http::Response SignInPages::failure(const Http::Request& request, int status, const std::string& code,
                                    const std::string& message, const std::string& returnTo)
{
	Http::Response response;
	if (Http::Html::wanted(request))
	{
		std::string body = "<p id=\"nexus-sign-in-error\">" + escape(message) + "</p>\n";
		body += "<p class=\"muted\">Error code: <code>" + escape(code) + "</code>; request id <code>" +
		        escape(request.requestId()) + "</code>.</p>\n";
		body += "<p><a id=\"nexus-back-to-sign-in\" href=\"" +
		        escape("/api/auth/nexus-gate?return_to=" + Http::Request::percentEncode(returnTo)) +
		        "\">Back to the sign-in page</a></p>\n";
		response = Http::Html::page(status, status == 503 ? "Sign-in is unavailable" : "Sign-in failed", body);
	}
	else
		response = Http::Response::error(status, code, message);
	if (status == 503) response.addHeader("Retry-After", "10");
	// As every 401 of the API: JSON clients learn that a bearer token is the way in.
	if (status == 401 && response.header("WWW-Authenticate").empty())
		response.addHeader("WWW-Authenticate", "Bearer realm=\"nexus\"");
	return response;
}

Http::Response SignInPages::signedOut(const std::string& location)
{
	Http::Response response = Http::Html::page(
	    200, "Signed out",
	    "<p id=\"nexus-signed-out\">You are signed out of Nexus. Going on to sign out at your provider…</p>\n"
	    "<p><a id=\"nexus-continue\" href=\"" +
	        Http::Html::escape(location) + "\">Continue</a></p>\n");
	response.addHeader("Refresh", "0; url=" + location);
	response.addHeader("Cache-Control", "no-store");
	return response;
}

Http::Response SignInPages::redirect(const std::string& location)
{
	Http::Response response(302, "text/plain; charset=utf-8", "");
	response.addHeader("Location", location);
	response.addHeader("Cache-Control", "no-store");
	return response;
}

} // namespace Sso
} // namespace Nexus
