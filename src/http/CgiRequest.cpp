#include "http/CgiRequest.h"

#include "http/HttpError.h"
#include "util/Integer.h"

#include <cctype>
#include <cstring>
#include <optional>

namespace Nexus {
namespace Http {

std::string CgiRequest::param(const char* const* params, const char* name)
{
	const std::size_t length = std::strlen(name);
	for (const char* const* p = params; p && *p; ++p)
		if (std::strncmp(*p, name, length) == 0 && (*p)[length] == '=') return std::string(*p + length + 1);
	return std::string();
}

std::optional<long long> CgiRequest::msec(const std::string& text)
{
	const std::size_t dot = text.find('.');
	// Up to 12 digits of seconds (the year 33658), so the milliseconds cannot overflow.
	if (dot == std::string::npos || dot == 0 || dot > 12 || text.size() != dot + 4) return std::nullopt;
	long long ms = 0;
	for (std::size_t i = 0; i < text.size(); ++i)
	{
		if (i == dot) continue;
		if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
		ms = ms * 10 + (text[i] - '0');
	}
	return ms;
}

Request CgiRequest::read(const char* const* params, std::size_t maxBodyBytes, std::size_t& bodyLength)
{
	std::string target = param(params, "REQUEST_URI");
	if (target.empty()) target = "/";
	Request request(param(params, "REQUEST_METHOD"), target);
	request.setClientAddress(param(params, "REMOTE_ADDR"));
	request.setSsoUser(param(params, "NEXUS_SSO_USER"));
	request.setSsoRoles(param(params, "NEXUS_SSO_ROLES"));
	request.setSsoName(param(params, "NEXUS_SSO_NAME"));
	request.setScheme(param(params, "REQUEST_SCHEME"));
	request.setServerPort(param(params, "SERVER_PORT"));
	request.setQueuedAtMs(msec(param(params, "NEXUS_QUEUED_AT")));

	for (const char* const* p = params; p && *p; ++p)
	{
		const char* eq = std::strchr(*p, '=');
		if (!eq || std::strncmp(*p, "HTTP_", 5) != 0) continue;
		std::string name(*p + 5, static_cast<std::size_t>(eq - (*p + 5)));
		for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		request.setHeader(name, eq + 1);
	}
	const std::string contentType = param(params, "CONTENT_TYPE");
	if (!contentType.empty()) request.setHeader("content-type", contentType);

	const std::string lengthText = param(params, "CONTENT_LENGTH");
	const auto parsed = lengthText.empty() ? std::optional<long long>(0) : parseInteger(lengthText);
	if (!parsed || *parsed < 0) throw BadRequest("malformed Content-Length");
	const auto length = static_cast<unsigned long long>(*parsed);
	if (length > maxBodyBytes)
		throw PayloadTooLarge("request body is larger than " + std::to_string(maxBodyBytes) + " bytes");
	bodyLength = static_cast<std::size_t>(length);
	return request;
}

} // namespace Http
} // namespace Nexus
