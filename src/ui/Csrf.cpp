#include "ui/Csrf.h"

#include "auth/Token.h"
#include "http/HttpError.h"
#include "http/Request.h"
#include "ui/SessionCookie.h"

namespace Nexus {
namespace Ui {
namespace Csrf {

std::optional<std::string> token(const Http::Request& request)
{
	const auto cookie = SessionCookie::value(request);
	if (!cookie) return std::nullopt;
	return SessionCookie::csrfToken(*cookie);
}

void check(const Http::Request& request)
{
	const std::string origin = request.origin();
	const auto sent = request.header("origin");
	if (origin.empty() || !sent || *sent != origin)
		throw Http::Forbidden("a change from a browser must come from a page of this site (the Origin header "
		                      "is missing or names another site)");
	const auto expected = token(request);
	if (!expected) return;
	auto presented = request.header(kHeader);
	if (!presented && request.mediaType() == "application/x-www-form-urlencoded") presented = request.formField(kField);
	if (!presented || !Auth::Token::constantTimeEquals(*presented, *expected))
		throw Http::Forbidden("the CSRF token is missing or wrong; reload the page and try again");
}

} // namespace Csrf
} // namespace Ui
} // namespace Nexus
