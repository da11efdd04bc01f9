#pragma once

#include "http/Request.h"
#include "http/Response.h"

#include <fcgiapp.h>

#include <cstddef>
#include <optional>

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

	/// Writes the whole response to fcgi's output stream.
	static void write(FCGX_Request& fcgi, const Http::Response& response);

	/// A fresh request id (32 hex digits) for requests that did not bring one from nginx.
	static std::string newRequestId();
};

} // namespace Nexus
