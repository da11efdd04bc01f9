#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <utility>
#include <vector>

namespace Nexus {
namespace Http {

class HttpError;

/// What a handler returns: status, headers and a fully built body.
/// Bodies are buffered, never streamed, so a response is written in one go
/// (or replaced by a 503 when the request deadline passes first).
class Response
{
public:
	using Headers = std::vector<std::pair<std::string, std::string>>;

	Response() = default;
	Response(int status, std::string contentType, std::string body);

	/// A JSON response (application/json; charset=utf-8).
	static Response json(int status, const Poco::JSON::Object& object);
	static Response json(int status, const Poco::JSON::Array& array);
	/// A JSON body that is already text (what json() would have made, e.g. from a cache).
	static Response json(int status, std::string text);
	/// 204 No Content.
	static Response noContent();
	/// The JSON error body {"error", "message"} with the error's status and headers.
	static Response error(const HttpError& error);
	static Response error(int status, const std::string& code, const std::string& message);

	int status() const { return _status; }
	const std::string& contentType() const { return _contentType; }
	const std::string& body() const { return _body; }
	const Headers& headers() const { return _headers; }
	/// The first value of a header set on this response, or "".
	std::string header(const std::string& name) const;

	void addHeader(const std::string& name, const std::string& value) { _headers.emplace_back(name, value); }

	/// The response as a CGI/FastCGI stdout stream ("Status: ...\r\n...\r\n\r\nbody").
	std::string serialize() const;

	static const char* reason(int status);

private:
	int _status = 200;
	std::string _contentType;
	std::string _body;
	Headers _headers;
};

} // namespace Http
} // namespace Nexus
