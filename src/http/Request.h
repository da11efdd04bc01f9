#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {

/// One HTTP request as the worker received it from nginx, fully read.
/// Built by the FastCGI adapter (or directly in tests); owns copies of
/// everything, so it outlives the FastCGI request it came from.
class Request
{
public:
	Request() = default;

	/// target: the raw request URI (path and optional query), as in REQUEST_URI.
	/// Throws BadRequest when a path segment or query value is badly encoded
	/// or a segment decodes to "." or ".." or holds a NUL byte.
	Request(std::string method, const std::string& target);

	const std::string& method() const { return _method; }
	/// The raw (still encoded) path, without the query string.
	const std::string& path() const { return _path; }
	/// Raw query string, without '?'.
	const std::string& queryString() const { return _queryString; }
	/// The percent-decoded path segments: "/api/a%20b/c" -> {"api", "a b", "c"}.
	const std::vector<std::string>& segments() const { return _segments; }

	/// The first value of a query parameter (decoded; '+' is a space).
	std::optional<std::string> query(const std::string& name) const;

	/// A request header by lower-case name ("authorization", "content-type").
	std::optional<std::string> header(const std::string& name) const;
	void setHeader(const std::string& name, const std::string& value);

	/// A path parameter bound by the router (":slug" -> "slug").
	const std::string& pathParam(const std::string& name) const;
	void setPathParams(std::map<std::string, std::string> params) { _pathParams = std::move(params); }

	const std::string& body() const { return _body; }
	void setBody(std::string body) { _body = std::move(body); }

	const std::string& requestId() const { return _requestId; }
	void setRequestId(std::string id) { _requestId = std::move(id); }

	const std::string& clientAddress() const { return _clientAddress; }
	void setClientAddress(std::string address) { _clientAddress = std::move(address); }

	/// The signed-in user nginx's SSO gate vouched for (the NEXUS_SSO_USER
	/// FastCGI param, which a client cannot set); "" when none.
	const std::string& ssoUser() const { return _ssoUser; }
	void setSsoUser(std::string user) { _ssoUser = std::move(user); }

	/// The media type of the body without parameters, lower-cased ("application/json").
	std::string mediaType() const;

	/// Percent-decodes s; with plusAsSpace '+' becomes ' ' (query strings).
	/// Throws BadRequest naming what on a malformed escape.
	static std::string percentDecode(const std::string& s, bool plusAsSpace, const std::string& what);
	/// Percent-encodes everything but unreserved characters (RFC 3986).
	static std::string percentEncode(const std::string& s);

private:
	std::string _method;
	std::string _path;
	std::string _queryString;
	std::vector<std::string> _segments;
	std::multimap<std::string, std::string> _query;
	std::map<std::string, std::string> _headers;
	std::map<std::string, std::string> _pathParams;
	std::string _body;
	std::string _requestId;
	std::string _clientAddress;
	std::string _ssoUser;
};

} // namespace Http
} // namespace Nexus
