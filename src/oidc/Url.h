#pragma once

#include <Poco/URI.h>

#include <string>

namespace Nexus {
namespace Oidc {

/// Which URLs the relying party talks to: https anywhere; plain http only
/// to this machine (a test or development provider), where nobody on the
/// network can read or change the traffic.
class Url
{
public:
	/// True for "localhost" (any case), an IPv4 address in 127.0.0.0/8 and
	/// ::1. Only literals count: no name is resolved, so no DNS answer can
	/// make a remote host look local.
	static bool isLoopbackHost(const std::string& host);

	/// True when uri is absolute with a host, and https, or http to a
	/// loopback host.
	static bool isAllowed(const Poco::URI& uri);

	/// Parses text as a URL that isAllowed(). Throws ConfigurationError
	/// naming what (say "sso.issuer") when text is not a URL or not allowed.
	static Poco::URI parse(const std::string& text, const std::string& what);
};

} // namespace Oidc
} // namespace Nexus
