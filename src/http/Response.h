#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace Nexus {
namespace Http {

class HttpError;

/// Where a streamed body goes, piece by piece, as its writer produces it.
/// The server layer implements it over the FastCGI stream; write() may
/// throw (the client is gone, the request's deadline passed), which ends
/// the body there.
class BodySink
{
public:
	BodySink() = default;
	BodySink(const BodySink&) = delete;
	BodySink& operator=(const BodySink&) = delete;
	virtual ~BodySink() = default;

	virtual void write(const char* data, std::size_t size) = 0;
	void write(const std::string& text) { write(text.data(), text.size()); }
};

/// A sink that keeps everything in one string (serialize(), tests).
class StringSink : public BodySink
{
public:
	using BodySink::write;
	void write(const char* data, std::size_t size) override { text.append(data, size); }
	std::string text;
};

/// What a handler returns: status, headers and a body, either fully built
/// or streamed.
///
/// A built body is written in one go (or replaced by a 503 when the request
/// deadline passes first). A streamed body (streamed()) is produced by its
/// writer after the headers have gone out, with no Content-Length (nginx
/// sends it to the client chunked): its status is final before the first
/// byte is written, so a handler does whatever can still fail as an HTTP
/// error (the first read) before it returns one. When the writer throws
/// later, the server logs it (with the request id) and closes the stream
/// early. nginx, whose FastCGI connections end with each response
/// (fastcgi_keep_conn off), cannot tell that from the end of the body: the
/// client gets a 200 whose body is cut short (JSON then does not parse; a
/// document simply ends early).
class Response
{
public:
	using Headers = std::vector<std::pair<std::string, std::string>>;
	/// Writes a streamed body to the sink; called at most once, on the
	/// thread that handled the request.
	using BodyWriter = std::function<void(BodySink&)>;

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
	/// A response whose body writer produces it after the headers are sent.
	static Response streamed(int status, std::string contentType, BodyWriter writer);
	/// A JSON response whose body holds a secret: overwritten (wipe()) when
	/// the response is destroyed, as is every copy. Build body in one
	/// buffer sized beforehand (Json::appendQuoted), so that no other copy
	/// of it was left behind.
	static Response secretJson(int status, std::string body);

	Response(const Response&) = default;
	Response(Response&&) noexcept = default;
	Response& operator=(const Response& other);
	Response& operator=(Response&& other) noexcept;
	~Response();

	/// Overwrites and empties the body now (keeping its buffer).
	void wipe();
	bool secret() const { return _secret; }

	int status() const { return _status; }
	const std::string& contentType() const { return _contentType; }
	/// The built body ("" for a streamed one).
	const std::string& body() const { return _body; }
	bool streamed() const { return static_cast<bool>(_writer); }
	/// The body writer of a streamed response (empty otherwise).
	const BodyWriter& bodyWriter() const { return _writer; }
	const Headers& headers() const { return _headers; }
	/// The first value of a header set on this response, or "".
	std::string header(const std::string& name) const;

	void addHeader(const std::string& name, const std::string& value) { _headers.emplace_back(name, value); }

	/// The status line and headers as a CGI/FastCGI stdout stream, up to
	/// and including the blank line that ends them.
	std::string serializeHead() const;
	/// The whole response as a CGI/FastCGI stdout stream
	/// ("Status: ...\r\n...\r\n\r\nbody"); for a streamed response this runs
	/// its writer into a string.
	std::string serialize() const;

	static const char* reason(int status);

private:
	int _status = 200;
	std::string _contentType;
	std::string _body;
	BodyWriter _writer;
	Headers _headers;
	bool _secret = false; ///< wipe the body when done with it
};

} // namespace Http
} // namespace Nexus
