#pragma once

#include <optional>
#include <string>

namespace Nexus {
namespace Http {
class Request;
}

namespace Ui {

/// The rule for writes from a signed-in browser. A session cookie goes with
/// every request the browser makes, also from another site's page, so a
/// write that a cookie authenticates must also prove it comes from a page
/// Nexus rendered: the request's Origin header is this site's origin, and it
/// carries the session's CSRF token (SessionCookie::csrfToken), in the
/// X-CSRF-Token header (the UI's script) or a "csrf" form field (the sign-out
/// form). Bearer-token clients never need either.
namespace Csrf {

constexpr const char* kHeader = "x-csrf-token";
constexpr const char* kField = "csrf";

/// The CSRF token of the request's session cookie; nullopt without one.
std::optional<std::string> token(const Http::Request& request);

/// Throws Http::Forbidden (with a message that says what to do) unless
/// Origin matches the request's own origin and, when the request has a
/// session cookie, its CSRF token is the cookie's.
void check(const Http::Request& request);

} // namespace Csrf
} // namespace Ui
} // namespace Nexus
