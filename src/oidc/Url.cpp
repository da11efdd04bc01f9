#include "oidc/Url.h"

#include "oidc/Error.h"

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/String.h>

namespace Nexus {
namespace Oidc {

bool Url::isLoopbackHost(const std::string& host)
{
	if (Poco::icompare(host, "localhost") == 0) return true;
	Poco::Net::IPAddress address;
	return Poco::Net::IPAddress::tryParse(host, address) && address.isLoopback();
}

bool Url::isAllowed(const Poco::URI& uri)
{
	if (uri.getHost().empty()) return false;
	const std::string scheme = Poco::toLower(uri.getScheme());
	return scheme == "https" || (scheme == "http" && isLoopbackHost(uri.getHost()));
}

Poco::URI Url::parse(const std::string& text, const std::string& what)
{
	Poco::URI uri;
	try
	{
		uri = Poco::URI(text);
	}
	catch (const Poco::SyntaxException&)
	{
		throw ConfigurationError(what + " is not a URL: " + text);
	}
	if (!isAllowed(uri))
		throw ConfigurationError(what + " must be an https URL (http only to a loopback host): " + text);
	return uri;
}

} // namespace Oidc
} // namespace Nexus
