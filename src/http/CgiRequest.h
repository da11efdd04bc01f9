#pragma once

#include "http/Request.h"

#include <cstddef>
#include <optional>
#include <string>

namespace Nexus {
namespace Http {

/// The head of a request as a FastCGI (or CGI) server passes it: a
/// NULL-terminated array of "NAME=value" strings (FCGX_Request::envp). The
/// part of reading a request that does not touch the FastCGI stream, so the
/// adapter stays a thin shell and the parsing can be tested and fuzzed alone.
class CgiRequest
{
public:
	/// The value of the first param name ("" when absent), as FCGX_GetParam
	/// finds it. params may be null.
	static std::string param(const char* const* params, const char* name);

	/// The request of params, without its body: REQUEST_METHOD and
	/// REQUEST_URI ("/" when empty), every HTTP_* param as a lower-case
	/// header ('_' -> '-'), CONTENT_TYPE as content-type, REMOTE_ADDR and the
	/// identity params (NEXUS_SSO_USER, NEXUS_SSO_ROLES, NEXUS_SSO_NAME,
	/// REQUEST_SCHEME, SERVER_PORT) and NEXUS_QUEUED_AT (msec). Sets bodyLength to CONTENT_LENGTH (0
	/// when absent). The request id is the caller's. Throws BadRequest for a
	/// malformed target or Content-Length, PayloadTooLarge for a length over
	/// maxBodyBytes.
	static Request read(const char* const* params, std::size_t maxBodyBytes, std::size_t& bodyLength);

	/// nginx's $msec ("1764000000.123": seconds since the epoch, a '.',
	/// exactly three digits) in milliseconds; nullopt for anything else.
	static std::optional<long long> msec(const std::string& text);
};

} // namespace Http
} // namespace Nexus
