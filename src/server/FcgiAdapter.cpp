#include "server/FcgiAdapter.h"

#include "http/HttpError.h"
#include "server/Service.h"
#include "util/Hex.h"
#include "util/Integer.h"

#include <Poco/String.h>

#include <openssl/rand.h>

#include <cstring>

namespace Nexus {

namespace {

std::string param(FCGX_Request& fcgi, const char* name)
{
	const char* value = FCGX_GetParam(name, fcgi.envp);
	return value ? std::string(value) : std::string();
}

} // namespace

std::string FcgiAdapter::newRequestId()
{
	unsigned char bytes[16];
	if (RAND_bytes(bytes, sizeof bytes) != 1) return "0";
	return Hex::encode(bytes, sizeof bytes);
}

std::optional<Http::Request> FcgiAdapter::read(FCGX_Request& fcgi, std::size_t maxBodyBytes, Http::Response& response)
{
	std::string requestId = param(fcgi, "REQUEST_ID");
	if (requestId.empty() || requestId.size() > 64) requestId = newRequestId();

	std::string target = param(fcgi, "REQUEST_URI");
	if (target.empty()) target = "/";
	Http::Request request;
	try
	{
		request = Http::Request(param(fcgi, "REQUEST_METHOD"), target);
	}
	catch (const Http::HttpError& e)
	{
		response = Service::reject(requestId, e);
		return std::nullopt;
	}
	request.setRequestId(requestId);
	request.setClientAddress(param(fcgi, "REMOTE_ADDR"));
	request.setSsoUser(param(fcgi, "NEXUS_SSO_USER"));
	request.setSsoRoles(param(fcgi, "NEXUS_SSO_ROLES"));
	request.setSsoName(param(fcgi, "NEXUS_SSO_NAME"));
	request.setScheme(param(fcgi, "REQUEST_SCHEME"));
	request.setServerPort(param(fcgi, "SERVER_PORT"));

	for (char** env = fcgi.envp; env && *env; ++env)
	{
		const char* eq = std::strchr(*env, '=');
		if (!eq || std::strncmp(*env, "HTTP_", 5) != 0) continue;
		std::string name(*env + 5, static_cast<std::size_t>(eq - (*env + 5)));
		for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
		request.setHeader(name, eq + 1);
	}
	const std::string contentType = param(fcgi, "CONTENT_TYPE");
	if (!contentType.empty()) request.setHeader("content-type", contentType);

	const std::string lengthText = param(fcgi, "CONTENT_LENGTH");
	const auto parsed = lengthText.empty() ? std::optional<long long>(0) : parseInteger(lengthText);
	if (!parsed || *parsed < 0)
	{
		response = Service::reject(requestId, Http::BadRequest("malformed Content-Length"));
		return std::nullopt;
	}
	const auto length = static_cast<std::size_t>(*parsed);
	if (length > maxBodyBytes)
	{
		response = Service::reject(
		    requestId, Http::PayloadTooLarge("request body is larger than " + std::to_string(maxBodyBytes) + " bytes"));
		return std::nullopt;
	}
	std::string body(length, '\0');
	std::size_t got = 0;
	while (got < length)
	{
		const int n = FCGX_GetStr(&body[got], static_cast<int>(length - got), fcgi.in);
		if (n <= 0) break;
		got += static_cast<std::size_t>(n);
	}
	if (got < length)
	{
		response = Service::reject(requestId, Http::BadRequest("request body is shorter than its Content-Length"));
		return std::nullopt;
	}
	request.setBody(std::move(body));
	return request;
}

void FcgiAdapter::write(FCGX_Request& fcgi, const Http::Response& response)
{
	const std::string out = response.serialize();
	FCGX_PutStr(out.data(), static_cast<int>(out.size()), fcgi.out);
}

} // namespace Nexus
