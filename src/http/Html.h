#pragma once

#include "http/Response.h"

#include <string>

namespace Nexus {
namespace Http {

class Request;

/// The UI endpoints (the spec's /api/secrets, /api/memories/list) answer a
/// browser with a readable HTML page and everyone else with JSON. This is the
/// negotiation rule and the page frame they share.
namespace Html {

/// True when the request should get HTML: it carries no Authorization header
/// (a bearer always gets JSON) and its Accept header ranks text/html (or
/// application/xhtml+xml) above application/json. Wildcards count for neither,
/// so "*/*" and a missing Accept get JSON.
bool wanted(const Request& request);

/// Text made safe for HTML element content and double-quoted attributes.
std::string escape(const std::string& text);

/// Where nginx serves the UI's stylesheet and script (static/ in the tree,
/// /usr/share/nexus/static installed): same origin, so the CSP below can
/// allow them as 'self' and nothing inline.
constexpr const char* kStylesheet = "/static/nexus.css";
constexpr const char* kScript = "/static/nexus.js";

/// Every page's Content-Security-Policy: no inline script or style, nothing
/// from another origin, no framing, forms and fetches only to this site.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A complete page (status, text/html; charset=utf-8): headerHtml (the UI's
/// navigation bar, or nothing), then title as the h1 and bodyHtml, with the
/// policy above. title is plain text (escaped here); headerHtml and bodyHtml
/// are trusted markup whose every interpolated value went through escape().
/// withScript adds kScript (the UI's forms need it; the sign-in pages do not).
Response page(int status, const std::string& title, const std::string& bodyHtml, const std::string& headerHtml = {},
              bool withScript = false);

} // namespace Html
} // namespace Http
} // namespace Nexus
