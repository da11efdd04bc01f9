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

/// A complete page (status, text/html; charset=utf-8) around bodyHtml, with a
/// Content-Security-Policy that allows no script, no external resource and no
/// framing. title is plain text (escaped here); bodyHtml is trusted markup
/// whose every interpolated value went through escape().
Response page(int status, const std::string& title, const std::string& bodyHtml);

} // namespace Html
} // namespace Http
} // namespace Nexus
