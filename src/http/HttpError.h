#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace Nexus {
namespace Http {

/// An error that becomes a JSON response {"error": code, "message": message}.
/// Thrown anywhere below the server's dispatch and rendered in one place,
/// src/server/Service (handle(); reject() for a request that could not be
/// read). The message is shown to the client: never put a token, a secret
/// value or SQL into it.
class HttpError : public std::runtime_error
{
public:
	using Headers = std::vector<std::pair<std::string, std::string>>;

	HttpError(int status, std::string code, const std::string& message, Headers headers = {});

	int status() const { return _status; }
	const std::string& code() const { return _code; }
	const Headers& headers() const { return _headers; }

private:
	int _status;
	std::string _code;
	Headers _headers;
};

struct BadRequest : HttpError
{
	explicit BadRequest(const std::string& message): HttpError(400, "bad_request", message) {}
};

struct Unauthorized : HttpError
{
	explicit Unauthorized(const std::string& message):
	    HttpError(401, "unauthorized", message, {{"WWW-Authenticate", "Bearer realm=\"nexus\""}})
	{}
};

struct Forbidden : HttpError
{
	explicit Forbidden(const std::string& message): HttpError(403, "forbidden", message) {}
};

struct NotFound : HttpError
{
	explicit NotFound(const std::string& message): HttpError(404, "not_found", message) {}
};

struct MethodNotAllowed : HttpError
{
	/// allow: the comma-separated methods the path does accept.
	MethodNotAllowed(const std::string& method, const std::string& allow):
	    HttpError(405, "method_not_allowed", "method " + method + " is not allowed here; allowed: " + allow,
	              {{"Allow", allow}})
	{}
};

struct Conflict : HttpError
{
	explicit Conflict(const std::string& message): HttpError(409, "conflict", message) {}
};

struct PayloadTooLarge : HttpError
{
	explicit PayloadTooLarge(const std::string& message): HttpError(413, "payload_too_large", message) {}
};

struct UnsupportedMediaType : HttpError
{
	explicit UnsupportedMediaType(const std::string& message): HttpError(415, "unsupported_media_type", message) {}
};

struct Unprocessable : HttpError
{
	explicit Unprocessable(const std::string& message): HttpError(422, "unprocessable", message) {}
};

/// 503 with Retry-After: the database (or another dependency) is unreachable,
/// or the request ran past its deadline.
struct Unavailable : HttpError
{
	explicit Unavailable(const std::string& message, int retryAfterSeconds = 2):
	    HttpError(503, "unavailable", message, {{"Retry-After", std::to_string(retryAfterSeconds)}})
	{}
};

/// 503 with Retry-After: the request waited in the pool's queue longer than
/// server.queue_timeout_ms, so it is turned away before any work is done.
struct Overloaded : HttpError
{
	explicit Overloaded(const std::string& message): HttpError(503, "overloaded", message, {{"Retry-After", "1"}}) {}
};

/// The database takes no writes at the moment (MariaDB's read_only: a
/// failover in progress, a full disk, maintenance); reads still work.
struct ReadOnly : HttpError
{
	explicit ReadOnly(int retryAfterSeconds = 5):
	    HttpError(503, "read_only",
	              "the database accepts no writes at the moment (read-only); nothing was changed, retry later",
	              {{"Retry-After", std::to_string(retryAfterSeconds)}})
	{}
};

} // namespace Http
} // namespace Nexus
