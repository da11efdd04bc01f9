#include "ui/SessionCookie.h"

#include "http/Request.h"
#include "util/Base64.h"
#include "util/Hex.h"
#include "util/Random.h"

#include <Poco/SHA2Engine.h>

#include <cctype>

namespace Nexus {
namespace Ui {

namespace {

bool secure(const Http::Request& request)
{
	return request.scheme() != "http";
}

std::string attributes(const Http::Request& request)
{
	return std::string("; Path=/; HttpOnly; SameSite=Lax") + (secure(request) ? "; Secure" : "");
}

/// Where the sign-out mark goes: the gate page only.
const char* const kGatePath = "/api/auth/nexus-gate";

std::string signedOutName(const Http::Request& request)
{
	return secure(request) ? SessionCookie::kSignedOutSecureName : SessionCookie::kSignedOutPlainName;
}

std::string signedOutAttributes(const Http::Request& request)
{
	return std::string("; Path=") + kGatePath + "; HttpOnly; SameSite=Lax" + (secure(request) ? "; Secure" : "");
}

} // namespace

std::string SessionCookie::newValue()
{
	return Random::urlSafe();
}

std::string SessionCookie::name(const Http::Request& request)
{
	return secure(request) ? kSecureName : kPlainName;
}

std::optional<std::string> SessionCookie::value(const Http::Request& request)
{
	auto value = request.cookie(name(request));
	if (!value || value->size() != 43) return std::nullopt;
	for (unsigned char c : *value)
		if (!std::isalnum(c) && c != '-' && c != '_') return std::nullopt;
	return value;
}

std::string SessionCookie::set(const Http::Request& request, const std::string& value, int maxAgeSeconds)
{
	return name(request) + "=" + value + attributes(request) + "; Max-Age=" + std::to_string(maxAgeSeconds);
}

std::string SessionCookie::clear(const Http::Request& request)
{
	return name(request) + "=" + attributes(request) + "; Max-Age=0";
}

std::string SessionCookie::markSignedOut(const Http::Request& request)
{
	return signedOutName(request) + "=1" + signedOutAttributes(request) +
	       "; Max-Age=" + std::to_string(kSignedOutMaxAge);
}

bool SessionCookie::signedOut(const Http::Request& request)
{
	return request.cookie(signedOutName(request)) == "1";
}

std::string SessionCookie::clearSignedOut(const Http::Request& request)
{
	return signedOutName(request) + "=" + signedOutAttributes(request) + "; Max-Age=0";
}

std::string SessionCookie::hash(const std::string& value)
{
	return Digest::sha256Hex(value);
}

std::string SessionCookie::csrfToken(const std::string& value)
{
	Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
	sha.update("nexus-csrf:" + value);
	const Poco::DigestEngine::Digest& digest = sha.digest();
	return Base64::encode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()), Base64::kUrl);
}

} // namespace Ui
} // namespace Nexus
