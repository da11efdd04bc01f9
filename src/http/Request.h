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
	/// Overwrites the body's bytes (a vault write's, once its value is
	/// sealed): wiping is not a change of the request, so it is const.
	void wipeBody() const;

	const std::string& requestId() const { return _requestId; }
	void setRequestId(std::string id) { _requestId = std::move(id); }

	const std::string& clientAddress() const { return _clientAddress; }
	void setClientAddress(std::string address) { _clientAddress = std::move(address); }

	/// The signed-in user nginx's SSO gate vouched for (the NEXUS_SSO_USER
	/// FastCGI param, which a client cannot set); "" when none.
	const std::string& ssoUser() const { return _ssoUser; }
	void setSsoUser(std::string user) { _ssoUser = std::move(user); }

	/// The signed-in user's roles as the gate passed them (NEXUS_SSO_ROLES,
	/// comma-separated: "viewer" or "admin"); "" when none.
	const std::string& ssoRoles() const { return _ssoRoles; }
	void setSsoRoles(std::string roles) { _ssoRoles = std::move(roles); }

	/// The signed-in user's display name as the gate passed it
	/// (NEXUS_SSO_NAME, percent-encoded UTF-8); "" when none.
	const std::string& ssoName() const { return _ssoName; }
	void setSsoName(std::string name) { _ssoName = std::move(name); }

	/// "http" or "https": how the client reached nginx (REQUEST_SCHEME);
	/// "" when nginx did not say.
	const std::string& scheme() const { return _scheme; }
	void setScheme(std::string scheme) { _scheme = std::move(scheme); }

	/// When nginx passed the request on to the pool (NEXUS_QUEUED_AT, its
	/// $msec: seconds since the epoch with milliseconds), in milliseconds
	/// since the epoch; nullopt when nginx did not say.
	std::optional<long long> queuedAtMs() const { return _queuedAtMs; }
	void setQueuedAtMs(std::optional<long long> ms) { _queuedAtMs = ms; }

	/// The port nginx accepted the request on (SERVER_PORT); "" when unknown.
	const std::string& serverPort() const { return _serverPort; }
	void setServerPort(std::string port) { _serverPort = std::move(port); }

	/// scheme://host[:port] of the request, from scheme(), the Host header
	/// (nginx passes $host, without a port) and serverPort() (left out when
	/// it is the scheme's default); "" when scheme or host is missing or the
	/// host holds anything but letters, digits, '.', '-', ':', '[' and ']'
	/// (so it is safe in a URL and a header).
	std::string origin() const;

	/// The value of the request's cookie name (the first of that name), or
	/// nullopt. Values are taken as sent, without decoding.
	std::optional<std::string> cookie(const std::string& name) const;

	/// A field of an application/x-www-form-urlencoded body (the first of
	/// that name), decoded; nullopt when the body has none. Throws
	/// BadRequest on a malformed percent-escape.
	std::optional<std::string> formField(const std::string& name) const;

	/// The media type of the body without parameters, lower-cased ("application/json").
	std::string mediaType() const;
	/// The charset parameter of Content-Type, lower-cased, quotes removed
	/// ("" when there is none).
	std::string charset() const;

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
	mutable std::string _body; ///< mutable for wipeBody() only
	std::string _requestId;
	std::string _clientAddress;
	std::string _ssoUser;
	std::string _ssoRoles;
	std::string _ssoName;
	std::string _scheme;
	std::string _serverPort;
	std::optional<long long> _queuedAtMs;
};

} // namespace Http
} // namespace Nexus
