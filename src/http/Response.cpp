#include "http/Response.h"

#include "http/HttpError.h"
#include "http/Json.h"
#include "util/Wiper.h"

#include <Poco/String.h>

#include <sstream>

namespace Nexus {
namespace Http {

namespace {
const char* const kJsonType = "application/json; charset=utf-8";
}

Response::Response(int status, std::string contentType, std::string body):
    _status(status), _contentType(std::move(contentType)), _body(std::move(body))
{}

Response Response::json(int status, const Poco::JSON::Object& object)
{
	return Response(status, kJsonType, Json::stringify(object) + "\n");
}

Response Response::json(int status, const Poco::JSON::Array& array)
{
	return Response(status, kJsonType, Json::stringify(array) + "\n");
}

Response Response::json(int status, std::string text)
{
	return Response(status, kJsonType, std::move(text));
}

Response Response::noContent()
{
	return Response(204, "", "");
}

Response Response::error(const HttpError& error)
{
	Response r = Response::error(error.status(), error.code(), error.what());
	for (const auto& h : error.headers()) r.addHeader(h.first, h.second);
	return r;
}

Response Response::error(int status, const std::string& code, const std::string& message)
{
	Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
	body.set("error", code);
	body.set("message", message);
	return json(status, body);
}

Response Response::secretJson(int status, std::string body)
{
	Response r(status, kJsonType, std::move(body));
	r._secret = true;
	return r;
}

Response& Response::operator=(const Response& other)
{
	if (this == &other) return *this;
	wipe();
	_status = other._status;
	_contentType = other._contentType;
	_body = other._body;
	_writer = other._writer;
	_headers = other._headers;
	_secret = other._secret;
	return *this;
}

Response& Response::operator=(Response&& other) noexcept
{
	if (this == &other) return *this;
	wipe();
	_status = other._status;
	_contentType = std::move(other._contentType);
	_body = std::move(other._body);
	_writer = std::move(other._writer);
	_headers = std::move(other._headers);
	_secret = other._secret;
	return *this;
}

Response::~Response()
{
	wipe();
}

void Response::wipe()
{
	if (!_secret) return;
	Wiper::wipe(_body.data(), _body.size());
	_body.clear();
}

Response Response::streamed(int status, std::string contentType, BodyWriter writer)
{
	Response r(status, std::move(contentType), "");
	r._writer = std::move(writer);
	return r;
}

std::string Response::header(const std::string& name) const
{
	for (const auto& h : _headers)
		if (Poco::icompare(h.first, name) == 0) return h.second;
	return {};
}

std::string Response::serializeHead() const
{
	std::string out;
	out.reserve(256);
	out += "Status: " + std::to_string(_status) + " " + reason(_status) + "\r\n";
	if (!_contentType.empty()) out += "Content-Type: " + _contentType + "\r\n";
	for (const auto& h : _headers) out += h.first + ": " + h.second + "\r\n";
	out += "\r\n";
	return out;
}

std::string Response::serialize() const
{
	if (_writer)
	{
		StringSink sink;
		sink.text = serializeHead();
		_writer(sink);
		return std::move(sink.text);
	}
	std::string out;
	out.reserve(_body.size() + 256);
	out += serializeHead();
	out += _body;
	return out;
}

const char* Response::reason(int status)
{
	switch (status)
	{
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

} // namespace Http
} // namespace Nexus
