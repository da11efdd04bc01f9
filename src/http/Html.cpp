#include "http/Html.h"

#include "http/Request.h"

#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

namespace Nexus {
namespace Http {
namespace Html {

namespace {

/// The q of one media range ("text/html;level=1;q=0.8" -> 0.8); 1 without one.
double quality(const Poco::StringTokenizer& parts)
{
	for (std::size_t i = 1; i < parts.count(); ++i)
	{
		const std::string& p = parts[i];
		if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=')
		{
			double q = 0;
			if (!Poco::NumberParser::tryParseFloat(p.substr(2), q) || q < 0) return 0;
			return q > 1 ? 1 : q;
		}
	}
	return 1;
}

} // namespace

bool wanted(const Request& request)
{
	if (request.header("authorization")) return false;
	const auto accept = request.header("accept");
	if (!accept) return false;
	double html = 0;
	double json = 0;
	const Poco::StringTokenizer ranges(*accept, ",",
	                                   Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	for (const auto& range : ranges)
	{
		const Poco::StringTokenizer parts(range, ";", Poco::StringTokenizer::TOK_TRIM);
		const std::string type = Poco::toLower(parts[0]);
		const double q = quality(parts);
		if (type == "text/html" || type == "application/xhtml+xml")
			html = std::max(html, q);
		else if (type == "application/json")
			json = std::max(json, q);
	}
	return html > 0 && html > json;
}

std::string escape(const std::string& text)
{
	std::string out;
	out.reserve(text.size());
	for (char c : text)
	{
		switch (c)
		{
		case '&': out += "&amp;"; break;
		case '<': out += "&lt;"; break;
		case '>': out += "&gt;"; break;
		case '"': out += "&quot;"; break;
		case '\'': out += "&#39;"; break;
		default: out += c;
		}
	}
	return out;
}

Response page(int status, const std::string& title, const std::string& bodyHtml, const std::string& headerHtml,
              bool withScript)
{
	std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
	html += escape(title);
	html += " · Nexus</title>\n<link rel=\"stylesheet\" href=\"" + std::string(kStylesheet) + "\">\n";
	if (withScript) html += "<script src=\"" + std::string(kScript) + "\" defer></script>\n";
	html += "</head>\n<body>\n";
	html += headerHtml;
	html += "<main>\n<h1>";
	html += escape(title);
	html += "</h1>\n";
	html += bodyHtml;
	html += "</main>\n</body>\n</html>\n";
	Response response(status, "text/html; charset=utf-8", std::move(html));
	response.addHeader("Content-Security-Policy", kContentSecurityPolicy);
	response.addHeader("X-Content-Type-Options", "nosniff");
	// same-origin, not no-referrer: under no-referrer a browser sends
	// "Origin: null" with a plain form POST (the sign-out form), which the
	// Origin check (ui/Csrf.h) must refuse. Other sites still get nothing.
	response.addHeader("Referrer-Policy", "same-origin");
	response.addHeader("X-Frame-Options", "DENY");
	return response;
}

} // namespace Html
} // namespace Http
} // namespace Nexus
