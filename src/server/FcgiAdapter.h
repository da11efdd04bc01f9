#pragma once

#include "http/Request.h"
#include "http/Response.h"

#include <fcgiapp.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace Nexus {

class Service;

/// Turns an accepted FastCGI request into a Request and writes a Response back.
class FcgiAdapter
{
public:
	/// Reads params and body of fcgi into a Request. Returns nullopt and
	/// fills response instead when the request cannot be taken (malformed
	/// target, body over maxBodyBytes).
	static std::optional<Http::Request> read(FCGX_Request& fcgi, std::size_t maxBodyBytes, Http::Response& response);

	/// Writes the whole response to fcgi's output stream. A streamed body
	/// goes out as its writer produces it (libfcgi sends a FastCGI record
	/// each time its 8 KiB buffer fills), each write first checking the
	/// request's deadline. Returns false when a streamed body did not
	/// finish (its writer threw, the client went away, the deadline
	/// passed; logged): then call abort(), not FCGX_Finish_r.
	static bool write(FCGX_Request& fcgi, const Http::Response& response,
	                  std::chrono::steady_clock::time_point deadline);

	/// Writes response's head, then its body, to sink (the part of write()
	/// that does not depend on FastCGI). Returns false, having logged why
	/// under requestId, when the body writer or the sink threw.
	static bool write(Http::BodySink& sink, const Http::Response& response, const std::string& requestId);

	/// Ends the request without its end-of-request record and closes the
	/// connection. With fastcgi_keep_conn off nginx takes the close as the
	/// end of the body (the client gets a short 200); were it on, nginx
	/// would see the request cut and abort the client's response too.
	static void abort(FCGX_Request& fcgi);

	/// A fresh request id (32 hex digits) for requests that did not bring one from nginx.
	static std::string newRequestId();
};

} // namespace Nexus
