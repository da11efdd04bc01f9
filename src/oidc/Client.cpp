#include "oidc/Client.h"

#include "oidc/Document.h"
#include "oidc/Error.h"
#include "oidc/Url.h"
#include "util/Base64.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>

#include <istream>
#include <memory>
#include <ostream>
#include <utility>

namespace Nexus {
namespace Oidc {

namespace {

/// application/x-www-form-urlencoded: every byte but A-Z a-z 0-9 - . _ ~
/// percent-encoded (a valid encoding of that form, and what RFC 6749, 2.3.1
/// asks of the client id and secret before HTTP Basic).
std::string formEncoded(const std::string& value)
{
	std::string out;
	Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]", out);
	return out;
}

/// A form body of the pairs, in their order.
std::string formBody(const std::vector<std::pair<std::string, std::string>>& fields)
{
	std::string body;
	for (const auto& field : fields)
	{
		if (!body.empty()) body += '&';
		body += formEncoded(field.first) + '=' + formEncoded(field.second);
	}
	return body;
}

/// True for the statuses that say the provider is there but cannot answer
/// now (a proxy or gateway in front of it does): as good as unreachable.
bool isUnavailable(int status)
{
	return status == 502 || status == 503 || status == 504;
}

/// The expires_in of a token response: a JSON integer, or (as some
/// providers send it) a string of digits; 0 when absent.
long long expiresIn(const Document& response)
{
	if (!response.has("expires_in")) return 0;
	const Poco::Dynamic::Var value = response.object().get("expires_in");
	if (value.isString())
	{
		const std::string& digits = value.extract<std::string>();
		if (!digits.empty() && digits.size() < 10 && digits.find_first_not_of("0123456789") == std::string::npos)
			return std::stoll(digits);
		throw BadResponse("the token response: \"expires_in\" is not an integer");
	}
	return response.optionalInteger("expires_in").value_or(0);
}

} // namespace

Client::Client(ClientSettings settings): _settings(std::move(settings))
{
	Url::parse(_settings.issuer, "the OpenID Connect issuer");
	if (_settings.clientId.empty()) throw ConfigurationError("the OpenID Connect client id is not set");
	if (_settings.clientSecret.empty()) throw ConfigurationError("the OpenID Connect client secret is not set");
	if (_settings.redirectUri.empty()) throw ConfigurationError("the OpenID Connect redirect URI is not set");
	if (_settings.scope.find("openid") == std::string::npos)
		throw ConfigurationError("the OpenID Connect scope must include \"openid\"");
	if (_settings.connectTimeoutS <= 0 || _settings.readTimeoutS <= 0)
		throw ConfigurationError("the OpenID Connect timeouts must be positive");
	if (_settings.maxResponseBytes == 0)
		throw ConfigurationError("the OpenID Connect response size limit must be positive");

	Poco::Net::Context::Params params;
	params.caLocation = _settings.caFile;
	params.loadDefaultCAs = _settings.caFile.empty();
	params.verificationMode = Poco::Net::Context::VERIFY_STRICT; // a certificate, valid, and for the host name
	params.cipherList = "DEFAULT"; // OpenSSL's default list, which has no anonymous ciphers
	try
	{
		_context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
	}
	catch (const Poco::Exception& e)
	{
		throw ConfigurationError("the OpenID Connect CA file cannot be used: " + e.displayText());
	}
	_context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
	// This context's own handler, so that no process-wide one (Poco's
	// default asks on the console) decides about a bad certificate.
	_context->setInvalidCertificateHandler(new Poco::Net::RejectCertificateHandler(false));
}

ProviderMetadata Client::discover() const
{
	const std::string url = ProviderMetadata::discoveryUrl(_settings.issuer);
	return ProviderMetadata::parse(getDocument(url, "the discovery document"), _settings.issuer);
}

Jwks Client::fetchJwks(const ProviderMetadata& metadata) const
{
	return Jwks::parse(getDocument(metadata.jwksUri(), "the key set"));
}

std::string Client::authorizationUrl(const ProviderMetadata& metadata, const std::string& state,
                                     const std::string& nonce, const std::string& codeChallenge) const
{
	Poco::URI uri(metadata.authorizationEndpoint());
	uri.addQueryParameter("response_type", "code");
	uri.addQueryParameter("client_id", _settings.clientId);
	uri.addQueryParameter("redirect_uri", _settings.redirectUri);
	uri.addQueryParameter("scope", _settings.scope);
	uri.addQueryParameter("state", state);
	uri.addQueryParameter("nonce", nonce);
	uri.addQueryParameter("code_challenge", codeChallenge);
	uri.addQueryParameter("code_challenge_method", "S256");
	return uri.toString();
}

TokenResponse Client::exchangeCode(const ProviderMetadata& metadata, const std::string& code,
                                   const std::string& codeVerifier) const
{
	const Poco::URI uri = Url::parse(metadata.tokenEndpoint(), "the token endpoint");
	std::vector<std::pair<std::string, std::string>> fields = {
	    {"grant_type", "authorization_code"},
	    {"code", code},
	    {"redirect_uri", _settings.redirectUri},
	    {"code_verifier", codeVerifier},
	};
	Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, uri.getPathAndQuery(),
	                               Poco::Net::HTTPMessage::HTTP_1_1);
	if (_settings.authMethod == AuthMethod::kClientSecretBasic)
	{
		const std::string pair = formEncoded(_settings.clientId) + ':' + formEncoded(_settings.clientSecret);
		request.setCredentials("Basic", Base64::encode(pair, Base64::kStandard));
	}
	else
	{
		fields.emplace_back("client_id", _settings.clientId);
		fields.emplace_back("client_secret", _settings.clientSecret);
	}
	request.setContentType("application/x-www-form-urlencoded");
	const Answer answer = send(uri, request, formBody(fields), "the token endpoint");
	return tokenResponse(answer.status, answer.body);
}

TokenResponse Client::tokenResponse(int status, const std::string& body)
{
	if (status == Poco::Net::HTTPResponse::HTTP_OK)
	{
		const Document document = Document::parse(body, "the token response");
		TokenResponse response;
		response.idToken = document.optionalString("id_token").value_or("");
		if (response.idToken.empty()) throw BadResponse("the token response has no id_token");
		response.accessToken = document.optionalString("access_token").value_or("");
		response.tokenType = document.optionalString("token_type").value_or("");
		response.expiresIn = expiresIn(document);
		return response;
	}
	if (status == Poco::Net::HTTPResponse::HTTP_BAD_REQUEST || status == Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED)
	{
		TokenResponse response;
		try
		{
			const Document document = Document::parse(body, "the token error response");
			response.error = document.optionalString("error").value_or("");
			response.errorDescription = document.optionalString("error_description").value_or("");
		}
		catch (const BadResponse&)
		{}
		if (response.error.empty())
			throw BadResponse("the token endpoint answered " + std::to_string(status) + " without an error code");
		return response;
	}
	if (isUnavailable(status)) throw ProviderUnreachable("the token endpoint answered " + std::to_string(status));
	throw BadResponse("the token endpoint answered " + std::to_string(status));
}

std::string Client::getDocument(const std::string& url, const std::string& what) const
{
	const Poco::URI uri = Url::parse(url, "the URL of " + what);
	Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, uri.getPathAndQuery(),
	                               Poco::Net::HTTPMessage::HTTP_1_1);
	Answer answer = send(uri, request, "", what);
	if (answer.status == Poco::Net::HTTPResponse::HTTP_OK) return std::move(answer.body);
	const std::string status = std::to_string(answer.status);
	if (isUnavailable(answer.status)) throw ProviderUnreachable(url + " answered " + status);
	if (answer.status >= 300 && answer.status < 400)
		throw BadResponse(url + " answered " + status + " (redirects are not followed)");
	throw BadResponse(url + " answered " + status);
}

Client::Answer Client::send(const Poco::URI& uri, Poco::Net::HTTPRequest& request, const std::string& body,
                            const std::string& what) const
{
	// Url::parse let uri through: https, or http to a loopback host.
	const std::string where = what + " (" + uri.getHost() + ")";
	std::unique_ptr<Poco::Net::HTTPClientSession> session;
	if (uri.getScheme() == "https")
		session.reset(new Poco::Net::HTTPSClientSession(uri.getHost(), uri.getPort(), _context));
	else
		session.reset(new Poco::Net::HTTPClientSession(uri.getHost(), uri.getPort()));
	const Poco::Timespan connectTimeout(_settings.connectTimeoutS, 0), readTimeout(_settings.readTimeoutS, 0);
	session->setTimeout(connectTimeout, readTimeout, readTimeout);
	session->setKeepAlive(false);
	request.setKeepAlive(false);
	request.set("Accept", "application/json");
	if (!body.empty() || request.getMethod() == Poco::Net::HTTPRequest::HTTP_POST)
		request.setContentLength(static_cast<std::streamsize>(body.size()));

	Answer answer;
	try
	{
		session->sendRequest(request) << body;
		Poco::Net::HTTPResponse response;
		std::istream& in = session->receiveResponse(response);
		answer.status = response.getStatus();
		const std::size_t limit = _settings.maxResponseBytes;
		if (response.hasContentLength() && response.getContentLength64() > static_cast<Poco::Int64>(limit))
			throw BadResponse(where + " sent more than " + std::to_string(limit) + " bytes");
		in.exceptions(std::ios::badbit); // a failed read throws its Poco exception, not a short body
		char buffer[8192];
		while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
		{
			answer.body.append(buffer, static_cast<std::size_t>(in.gcount()));
			if (answer.body.size() > limit)
				throw BadResponse(where + " sent more than " + std::to_string(limit) + " bytes");
		}
	}
	catch (const Poco::Net::SSLException& e) // TLS, the certificate included
	{
		throw ProviderUnreachable("no TLS connection to " + where + ": " + e.displayText());
	}
	catch (const Poco::Net::NoMessageException&)
	{
		throw ProviderUnreachable(where + " closed the connection without answering");
	}
	catch (const Poco::Net::MessageException& e)
	{
		throw BadResponse(where + " sent a malformed HTTP response: " + e.displayText());
	}
	catch (const Poco::TimeoutException&)
	{
		throw ProviderUnreachable(where + " did not answer in time");
	}
	catch (const Poco::IOException& e) // refused, reset, unreachable; DNS failures too
	{
		throw ProviderUnreachable("cannot reach " + where + ": " + e.displayText());
	}
	catch (const Poco::Exception& e)
	{
		throw BadResponse("exchange with " + where + " failed: " + e.displayText());
	}
	return answer;
}

} // namespace Oidc
} // namespace Nexus
