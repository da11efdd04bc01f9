#include "server/FcgiAdapter.h"

#include "http/CgiRequest.h"
#include "http/HttpError.h"
#include "server/Service.h"
#include "util/Hex.h"

#include <Poco/Logger.h>

#include <openssl/rand.h>

#include <cstring>
#include <limits>
#include <stdexcept>

namespace Nexus {

namespace {

/// nginx closed the connection: the client went away (or its request
/// timed out there); no fault of ours.
class ClientGone : public std::runtime_error
{
public:
	using std::runtime_error::runtime_error;
};

/// A streamed body onto the FastCGI output stream, cut off at the deadline.
class FcgiSink : public Http::BodySink
{
public:
	FcgiSink(FCGX_Stream* out, std::chrono::steady_clock::time_point deadline): _out(out), _deadline(deadline) {}

	using Http::BodySink::write;
	void write(const char* data, std::size_t size) override
	{
		if (std::chrono::steady_clock::now() > _deadline)
			throw std::runtime_error("the request passed its deadline while its body was streamed");
		while (size > 0)
		{
			const int n = static_cast<int>(std::min<std::size_t>(size, std::numeric_limits<int>::max()));
			if (FCGX_PutStr(data, n, _out) != n)
				throw ClientGone("FastCGI write failed (error " + std::to_string(FCGX_GetError(_out)) +
				                 "): nginx closed the connection");
			data += n;
			size -= static_cast<std::size_t>(n);
		}
	}

private:
	FCGX_Stream* _out;
	std::chrono::steady_clock::time_point _deadline;
};

} // namespace

std::string FcgiAdapter::newRequestId()
{
	unsigned char bytes[16];
	if (RAND_bytes(bytes, sizeof bytes) != 1) return "0";
	return Hex::encode(bytes, sizeof bytes);
}

std::optional<Http::Request> FcgiAdapter::read(FCGX_Request& fcgi, std::size_t maxBodyBytes, Http::Response& response)
{
	std::string requestId = Http::CgiRequest::param(fcgi.envp, "REQUEST_ID");
	if (requestId.empty() || requestId.size() > 64) requestId = newRequestId();

	Http::Request request;
	std::size_t length = 0;
	try
	{
		request = Http::CgiRequest::read(fcgi.envp, maxBodyBytes, length);
	}
	catch (const Http::HttpError& e)
	{
		response = Service::reject(requestId, e);
		return std::nullopt;
	}
	request.setRequestId(requestId);
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

bool FcgiAdapter::write(FCGX_Request& fcgi, const Http::Response& response,
                        std::chrono::steady_clock::time_point deadline)
{
	if (!response.streamed())
	{
		// Head and body as they are: no copy of the body is made (it may
		// hold a secret, which is then in libfcgi's buffer and the socket's
		// only; see README, Security).
		const std::string head = response.serializeHead();
		FCGX_PutStr(head.data(), static_cast<int>(head.size()), fcgi.out);
		const std::string& body = response.body();
		FCGX_PutStr(body.data(), static_cast<int>(body.size()), fcgi.out);
		return true;
	}
	FcgiSink sink(fcgi.out, deadline);
	return write(sink, response, response.header("X-Request-Id"));
}

bool FcgiAdapter::write(Http::BodySink& sink, const Http::Response& response, const std::string& requestId)
{
	try
	{
		sink.write(response.serializeHead());
		if (response.streamed())
			response.bodyWriter()(sink);
		else
			sink.write(response.body());
		return true;
	}
	catch (const ClientGone& e)
	{
		Poco::Logger::get("http").warning("request %s: response body not sent whole: %s", requestId,
		                                  std::string(e.what()));
		return false;
	}
	catch (const std::exception& e)
	{
		// The status and headers are gone: the client gets a short body.
		Poco::Logger::get("http").error("request %s: response body cut short: %s", requestId, std::string(e.what()));
		return false;
	}
}

void FcgiAdapter::abort(FCGX_Request& fcgi)
{
	FCGX_Free(&fcgi, 1);
}

} // namespace Nexus
