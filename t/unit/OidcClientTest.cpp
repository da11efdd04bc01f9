// Client: discovery, JWKS and the code exchange against a fake provider on 127.0.0.1, and what it refuses.
#include "oidc/Client.h"
#include "oidc/Error.h"

#include "OidcTestKeys.h"
#include "TestSupport.h"
#include "util/Base64.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Thread.h>
#include <Poco/URI.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using Nexus::Oidc::AuthMethod;
using Nexus::Oidc::BadResponse;
using Nexus::Oidc::Client;
using Nexus::Oidc::ClientSettings;
using Nexus::Oidc::ConfigurationError;
using Nexus::Oidc::Jwks;
using Nexus::Oidc::ProviderMetadata;
using Nexus::Oidc::ProviderUnreachable;
using Nexus::Oidc::TokenResponse;

using NexusTest::contains;
using NexusTest::thrown;

namespace {

/// What the fake provider answers on one path.
struct Reply
{
	Reply(int status = 200, std::string body = ""): status(status), body(std::move(body)) {}

	int status;
	std::string body;
	std::string location; ///< a Location header, when set
	bool chunked = false; ///< no Content-Length
	long delayMs = 0;     ///< before answering
};

/// What it was sent last.
struct Recorded
{
	std::string method, uri, authorization, contentType, accept, body;
};

/// The routes and the record, shared with the server's threads (which may
/// outlive the test's Provider for a moment).
struct State
{
	std::mutex mutex;
	std::map<std::string, Reply> routes;
	std::vector<Recorded> requests;
};

class Handler : public Poco::Net::HTTPRequestHandler
{
public:
	explicit Handler(std::shared_ptr<State> state): _state(std::move(state)) {}

	void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override
	{
		Recorded r;
		r.method = request.getMethod();
		r.uri = request.getURI();
		r.authorization = request.get("Authorization", "");
		r.contentType = request.getContentType();
		r.accept = request.get("Accept", "");
		Poco::StreamCopier::copyToString(request.stream(), r.body);
		Reply reply;
		{
			const std::lock_guard<std::mutex> lock(_state->mutex);
			_state->requests.push_back(r);
			const auto it = _state->routes.find(Poco::URI(r.uri).getPath());
			if (it != _state->routes.end())
				reply = it->second;
			else
				reply.status = 404;
		}
		if (reply.delayMs) Poco::Thread::sleep(reply.delayMs);
		response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
		response.setContentType("application/json");
		if (!reply.location.empty()) response.set("Location", reply.location);
		if (reply.chunked)
			response.setChunkedTransferEncoding(true);
		else
			response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
		response.send() << reply.body;
	}

private:
	std::shared_ptr<State> _state;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
	explicit Factory(std::shared_ptr<State> state): _state(std::move(state)) {}
	Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
	{
		return new Handler(_state);
	}

private:
	std::shared_ptr<State> _state;
};

/// A fake OpenID provider on 127.0.0.1 (an ephemeral port), serving its
/// discovery document, its key set and a token endpoint.
class Provider
{
public:
	/// Over plain http.
	Provider(): Provider(Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)), "http://127.0.0.1") {}

	/// On socket (a SecureServerSocket for https); origin is the scheme and
	/// host clients use, without the port.
	Provider(const Poco::Net::ServerSocket& socket, const std::string& origin):
	    _state(std::make_shared<State>()), _socket(socket), _server(new Factory(_state), _socket, params())
	{
		_server.start();
		_issuer = origin + ":" + std::to_string(_socket.address().port()) + "/realms/test";
		route("/realms/test/.well-known/openid-configuration", {200, discovery()});
		route("/realms/test/jwks", {200, OidcTest::jwks({OidcTest::ecKey().jwk("ec-1")})});
	}

	~Provider() { _server.stopAll(true); }

	Provider(const Provider&) = delete;
	Provider& operator=(const Provider&) = delete;

	const std::string& issuer() const { return _issuer; }

	void route(const std::string& path, const Reply& reply)
	{
		const std::lock_guard<std::mutex> lock(_state->mutex);
		_state->routes[path] = reply;
	}

	std::vector<Recorded> requests() const
	{
		const std::lock_guard<std::mutex> lock(_state->mutex);
		return _state->requests;
	}

	std::string discovery() const
	{
		return "{\"issuer\":\"" + _issuer + "\",\"authorization_endpoint\":\"" + _issuer +
		       "/auth?tenant=a\",\"token_endpoint\":\"" + _issuer + "/token\",\"jwks_uri\":\"" + _issuer +
		       "/jwks\",\"code_challenge_methods_supported\":[\"S256\"]}";
	}

private:
	static Poco::Net::HTTPServerParams::Ptr params()
	{
		Poco::Net::HTTPServerParams::Ptr p = new Poco::Net::HTTPServerParams;
		p->setMaxThreads(2);
		p->setKeepAlive(false);
		return p;
	}

	std::shared_ptr<State> _state;
	Poco::Net::ServerSocket _socket;
	Poco::Net::HTTPServer _server;
	std::string _issuer;
};

/// A self-signed certificate (CA:TRUE, so it can be its own trust anchor)
/// for commonName and altNames ("DNS:localhost,IP:127.0.0.1"), with its
/// P-256 key, as PEM files in a temporary directory.
class Certificate
{
public:
	Certificate(const std::string& commonName, const std::string& altNames)
	{
		Poco::File(_dir.path()).createDirectories();
		EVP_PKEY* key = EVP_EC_gen("P-256");
		X509* cert = X509_new();
		X509_set_version(cert, 2);
		ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
		X509_gmtime_adj(X509_getm_notBefore(cert), -60);
		X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
		X509_set_pubkey(cert, key);
		X509_NAME* name = X509_get_subject_name(cert);
		X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(commonName.c_str()),
		                           -1, -1, 0);
		X509_set_issuer_name(cert, name);
		X509V3_CTX ctx;
		X509V3_set_ctx_nodb(&ctx);
		X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
		for (const auto& ext : {std::make_pair(NID_subject_alt_name, altNames),
		                        std::make_pair(NID_basic_constraints, std::string("critical,CA:TRUE"))})
		{
			X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, ext.first, ext.second.c_str());
			X509_add_ext(cert, e, -1);
			X509_EXTENSION_free(e);
		}
		X509_sign(cert, key, EVP_sha256());
		FILE* out = std::fopen(certFile().c_str(), "w");
		PEM_write_X509(out, cert);
		std::fclose(out);
		out = std::fopen(keyFile().c_str(), "w");
		PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
		std::fclose(out);
		X509_free(cert);
		EVP_PKEY_free(key);
	}

	std::string certFile() const { return _dir.path() + "/cert.pem"; }
	std::string keyFile() const { return _dir.path() + "/key.pem"; }

	/// A listening TLS socket on 127.0.0.1 presenting this certificate.
	Poco::Net::SecureServerSocket listen() const
	{
		Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, keyFile(),
		                                                         certFile(), "", Poco::Net::Context::VERIFY_NONE);
		return Poco::Net::SecureServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
	}

private:
	Poco::TemporaryFile _dir;
};

ClientSettings settingsFor(const std::string& issuer)
{
	ClientSettings s;
	s.issuer = issuer;
	s.clientId = "nexus:ui";
	s.clientSecret = "s3cr+t/=&% x";
	s.redirectUri = "https://nexus.example.com/api/auth/callback";
	s.connectTimeoutS = 2;
	s.readTimeoutS = 2;
	return s;
}

const char kTokens[] =
    R"({"access_token":"at-123","token_type":"Bearer","expires_in":300,"id_token":"eyJ.eyJ.sig","scope":"openid"})";

} // namespace

class OidcClientTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OidcClientTest);
	CPPUNIT_TEST(testDiscoverFetchesAndChecksTheDocument);
	CPPUNIT_TEST(testDiscoverRefusesAnotherIssuer);
	CPPUNIT_TEST(testFetchJwks);
	CPPUNIT_TEST(testAuthorizationUrlCarriesTheLoginParameters);
	CPPUNIT_TEST(testCodeExchangeWithBasicAuth);
	CPPUNIT_TEST(testCodeExchangeWithPostAuth);
	CPPUNIT_TEST(testExpiresInAsAString);
	CPPUNIT_TEST(testTokenErrorIsReturned);
	CPPUNIT_TEST(testTokenSuccessWithoutIdTokenIsBadResponse);
	CPPUNIT_TEST(testBadRequestWithoutErrorCodeIsBadResponse);
	CPPUNIT_TEST(testRedirectIsNotFollowed);
	CPPUNIT_TEST(testServerErrorIsBadResponse);
	CPPUNIT_TEST(testGatewayErrorsAreUnreachable);
	CPPUNIT_TEST(testOversizedResponseIsRefused);
	CPPUNIT_TEST(testOversizedChunkedResponseIsRefused);
	CPPUNIT_TEST(testNonJsonIsBadResponse);
	CPPUNIT_TEST(testClosedPortIsUnreachable);
	CPPUNIT_TEST(testSlowProviderTimesOut);
	CPPUNIT_TEST(testFailedTlsHandshakeIsUnreachable);
	CPPUNIT_TEST(testHttpsWithTheConfiguredCaPasses);
	CPPUNIT_TEST(testHttpsCertificateForAnotherHostIsUnreachable);
	CPPUNIT_TEST(testHttpsCertificateNotSignedByATrustedCaIsUnreachable);
	CPPUNIT_TEST(testHttpToARemoteHostIsRefusedWithoutConnecting);
	CPPUNIT_TEST(testSettingsAreChecked);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _provider.reset(new Provider); }
	void tearDown() override { _provider.reset(); }

	void testDiscoverFetchesAndChecksTheDocument()
	{
		const ProviderMetadata m = client().discover();
		CPPUNIT_ASSERT_EQUAL(_provider->issuer() + "/token", m.tokenEndpoint());
		const Recorded r = _provider->requests().at(0);
		CPPUNIT_ASSERT_EQUAL(std::string("GET"), r.method);
		CPPUNIT_ASSERT_EQUAL(std::string("/realms/test/.well-known/openid-configuration"), r.uri);
		CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.accept);
		CPPUNIT_ASSERT(r.authorization.empty());
	}

	void testDiscoverRefusesAnotherIssuer()
	{
		std::string doc = _provider->discovery();
		doc.replace(doc.find("/realms/test\""), 13, "/realms/other\"");
		_provider->route("/realms/test/.well-known/openid-configuration", {200, doc});
		thrown<BadResponse>([&] { client().discover(); }, CPPUNIT_SOURCELINE());
	}

	void testFetchJwks()
	{
		const Client c = client();
		const Jwks keys = c.fetchJwks(c.discover());
		CPPUNIT_ASSERT(keys.find("ec-1", Jwks::KeyType::kEc));
	}

	void testAuthorizationUrlCarriesTheLoginParameters()
	{
		const Client c = client();
		const Poco::URI url(
		    c.authorizationUrl(c.discover(), "st&te", "n0nce", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
		CPPUNIT_ASSERT_EQUAL(std::string("/realms/test/auth"), url.getPath());
		const Poco::URI::QueryParameters q = url.getQueryParameters();
		const Poco::URI::QueryParameters expected = {
		    {"tenant", "a"},
		    {"response_type", "code"},
		    {"client_id", "nexus:ui"},
		    {"redirect_uri", "https://nexus.example.com/api/auth/callback"},
		    {"scope", "openid profile email"},
		    {"state", "st&te"},
		    {"nonce", "n0nce"},
		    {"code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"},
		    {"code_challenge_method", "S256"},
		};
		CPPUNIT_ASSERT(q == expected);
	}

	void testCodeExchangeWithBasicAuth()
	{
		_provider->route("/realms/test/token", {200, kTokens});
		const Client c = client();
		const TokenResponse t = c.exchangeCode(c.discover(), "c0de/+=", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
		CPPUNIT_ASSERT(t.ok());
		CPPUNIT_ASSERT_EQUAL(std::string("eyJ.eyJ.sig"), t.idToken);
		CPPUNIT_ASSERT_EQUAL(std::string("at-123"), t.accessToken);
		CPPUNIT_ASSERT_EQUAL(std::string("Bearer"), t.tokenType);
		CPPUNIT_ASSERT_EQUAL(300LL, t.expiresIn);

		const Recorded r = _provider->requests().back();
		CPPUNIT_ASSERT_EQUAL(std::string("POST"), r.method);
		CPPUNIT_ASSERT_EQUAL(std::string("/realms/test/token"), r.uri);
		CPPUNIT_ASSERT_EQUAL(std::string("application/x-www-form-urlencoded"), r.contentType);
		// RFC 6749, 2.3.1: id and secret form-encoded, then joined by ':' and base64.
		CPPUNIT_ASSERT_EQUAL("Basic " +
		                         Nexus::Base64::encode("nexus%3Aui:s3cr%2Bt%2F%3D%26%25%20x", Nexus::Base64::kStandard),
		                     r.authorization);
		CPPUNIT_ASSERT_EQUAL(std::string("grant_type=authorization_code&code=c0de%2F%2B%3D"
		                                 "&redirect_uri=https%3A%2F%2Fnexus.example.com%2Fapi%2Fauth%2Fcallback"
		                                 "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
		                     r.body);
	}

	void testCodeExchangeWithPostAuth()
	{
		_provider->route("/realms/test/token", {200, kTokens});
		ClientSettings s = settingsFor(_provider->issuer());
		s.authMethod = AuthMethod::kClientSecretPost;
		const Client c(s);
		CPPUNIT_ASSERT(c.exchangeCode(c.discover(), "abc", "v").ok());
		const Recorded r = _provider->requests().back();
		CPPUNIT_ASSERT(r.authorization.empty());
		CPPUNIT_ASSERT_MESSAGE(r.body,
		                       contains(r.body, "&client_id=nexus%3Aui&client_secret=s3cr%2Bt%2F%3D%26%25%20x"));
	}

	void testExpiresInAsAString()
	{
		_provider->route("/realms/test/token", {200, R"({"id_token":"a.b.c","expires_in":"3600"})"});
		const Client c = client();
		CPPUNIT_ASSERT_EQUAL(3600LL, c.exchangeCode(c.discover(), "abc", "v").expiresIn);
	}

	void testTokenErrorIsReturned()
	{
		_provider->route("/realms/test/token",
		                 {400, R"({"error":"invalid_grant","error_description":"Code not valid"})"});
		const Client c = client();
		const TokenResponse t = c.exchangeCode(c.discover(), "used", "v");
		CPPUNIT_ASSERT(!t.ok());
		CPPUNIT_ASSERT_EQUAL(std::string("invalid_grant"), t.error);
		CPPUNIT_ASSERT_EQUAL(std::string("Code not valid"), t.errorDescription);
		CPPUNIT_ASSERT(t.idToken.empty());
		_provider->route("/realms/test/token", {401, R"({"error":"invalid_client"})"});
		CPPUNIT_ASSERT_EQUAL(std::string("invalid_client"), c.exchangeCode(c.discover(), "c", "v").error);
	}

	void testTokenSuccessWithoutIdTokenIsBadResponse()
	{
		_provider->route("/realms/test/token", {200, R"({"access_token":"at","token_type":"Bearer"})"});
		const Client c = client();
		const ProviderMetadata m = c.discover();
		const BadResponse e = thrown<BadResponse>([&] { c.exchangeCode(m, "c", "v"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "id_token") && !contains(e.what(), "\"at\""));
	}

	void testBadRequestWithoutErrorCodeIsBadResponse()
	{
		_provider->route("/realms/test/token", {400, "<html>Bad Request</html>"});
		const Client c = client();
		const ProviderMetadata m = c.discover();
		thrown<BadResponse>([&] { c.exchangeCode(m, "c", "v"); }, CPPUNIT_SOURCELINE());
	}

	void testRedirectIsNotFollowed()
	{
		Reply redirect(302);
		redirect.location = _provider->issuer() + "/elsewhere";
		_provider->route("/realms/test/jwks", redirect);
		_provider->route("/realms/test/elsewhere", {200, OidcTest::jwks({})});
		const Client c = client();
		const ProviderMetadata m = c.discover();
		const BadResponse e = thrown<BadResponse>([&] { c.fetchJwks(m); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "302") && contains(e.what(), "redirect"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), _provider->requests().size());
	}

	void testServerErrorIsBadResponse()
	{
		_provider->route("/realms/test/jwks", {500, "{}"});
		const Client c = client();
		const ProviderMetadata m = c.discover();
		thrown<BadResponse>([&] { c.fetchJwks(m); }, CPPUNIT_SOURCELINE());
		_provider->route("/realms/test/token", {500, "{}"});
		thrown<BadResponse>([&] { c.exchangeCode(m, "c", "v"); }, CPPUNIT_SOURCELINE());
	}

	void testGatewayErrorsAreUnreachable()
	{
		const Client c = client();
		const ProviderMetadata m = c.discover();
		for (int status : {502, 503, 504})
		{
			_provider->route("/realms/test/jwks", {status, ""});
			thrown<ProviderUnreachable>([&] { c.fetchJwks(m); }, CPPUNIT_SOURCELINE());
			_provider->route("/realms/test/token", {status, ""});
			thrown<ProviderUnreachable>([&] { c.exchangeCode(m, "c", "v"); }, CPPUNIT_SOURCELINE());
		}
	}

	void testOversizedResponseIsRefused()
	{
		ClientSettings s = settingsFor(_provider->issuer());
		s.maxResponseBytes = 1000;
		const Client c(s);
		const ProviderMetadata m = c.discover();
		_provider->route("/realms/test/jwks", {200, "{\"keys\":[],\"pad\":\"" + std::string(1000, 'x') + "\"}"});
		const BadResponse e = thrown<BadResponse>([&] { c.fetchJwks(m); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "1000 bytes"));
	}

	void testOversizedChunkedResponseIsRefused()
	{
		ClientSettings s = settingsFor(_provider->issuer());
		s.maxResponseBytes = 1000;
		const Client c(s);
		const ProviderMetadata m = c.discover();
		Reply big{200, "{\"keys\":[],\"pad\":\"" + std::string(100000, 'x') + "\"}"};
		big.chunked = true;
		_provider->route("/realms/test/jwks", big);
		thrown<BadResponse>([&] { c.fetchJwks(m); }, CPPUNIT_SOURCELINE());
		Reply small{200, OidcTest::jwks({})};
		small.chunked = true;
		_provider->route("/realms/test/jwks", small);
		CPPUNIT_ASSERT(c.fetchJwks(m).keys().empty());
	}

	void testNonJsonIsBadResponse()
	{
		_provider->route("/realms/test/.well-known/openid-configuration", {200, "<html>Sign in</html>"});
		thrown<BadResponse>([&] { client().discover(); }, CPPUNIT_SOURCELINE());
	}

	void testClosedPortIsUnreachable()
	{
		std::string issuer;
		{
			Poco::Net::ServerSocket closed(Poco::Net::SocketAddress("127.0.0.1", 0));
			issuer = "http://127.0.0.1:" + std::to_string(closed.address().port());
		}
		thrown<ProviderUnreachable>([&] { Client(settingsFor(issuer)).discover(); }, CPPUNIT_SOURCELINE());
	}

	void testSlowProviderTimesOut()
	{
		ClientSettings s = settingsFor(_provider->issuer());
		s.readTimeoutS = 1;
		const Client c(s);
		const ProviderMetadata m = c.discover();
		Reply slow{200, OidcTest::jwks({})};
		slow.delayMs = 1500;
		_provider->route("/realms/test/jwks", slow);
		const ProviderUnreachable e = thrown<ProviderUnreachable>([&] { c.fetchJwks(m); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "in time"));
	}

	void testFailedTlsHandshakeIsUnreachable()
	{
		// https to the plain http server: the handshake fails.
		std::string issuer = _provider->issuer();
		issuer.replace(0, 4, "https");
		thrown<ProviderUnreachable>([&] { Client(settingsFor(issuer)).discover(); }, CPPUNIT_SOURCELINE());
	}

	void testHttpsWithTheConfiguredCaPasses()
	{
		const Certificate cert("localhost", "DNS:localhost");
		Provider tls(cert.listen(), "https://localhost");
		ClientSettings s = settingsFor(tls.issuer());
		s.caFile = cert.certFile();
		const Client c(s);
		CPPUNIT_ASSERT(c.fetchJwks(c.discover()).find("ec-1", Jwks::KeyType::kEc));
	}

	void testHttpsCertificateForAnotherHostIsUnreachable()
	{
		const Certificate cert("nexus-test.invalid", "DNS:nexus-test.invalid");
		Provider tls(cert.listen(), "https://localhost");
		ClientSettings s = settingsFor(tls.issuer());
		s.caFile = cert.certFile();
		const ProviderUnreachable e = thrown<ProviderUnreachable>([&] { Client(s).discover(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "Unacceptable certificate"));
		CPPUNIT_ASSERT(tls.requests().empty());
	}

	void testHttpsCertificateNotSignedByATrustedCaIsUnreachable()
	{
		const Certificate cert("localhost", "DNS:localhost");
		Provider tls(cert.listen(), "https://localhost");
		const ProviderUnreachable e =
		    thrown<ProviderUnreachable>([&] { Client(settingsFor(tls.issuer())).discover(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "certificate verify failed"));
		const Certificate other("localhost", "DNS:localhost");
		ClientSettings s = settingsFor(tls.issuer());
		s.caFile = other.certFile();
		thrown<ProviderUnreachable>([&] { Client(s).discover(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(tls.requests().empty());
	}

	void testHttpToARemoteHostIsRefusedWithoutConnecting()
	{
		thrown<ConfigurationError>([] { Client c(settingsFor("http://idp.example.com/realms/test")); },
		                           CPPUNIT_SOURCELINE());
		const Client c = client();
		const ConfigurationError e = thrown<ConfigurationError>(
		    [&] { c.getDocument("http://idp.example.com/jwks", "the key set"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "https"));
		CPPUNIT_ASSERT(_provider->requests().empty());
	}

	void testSettingsAreChecked()
	{
		const std::string issuer = _provider->issuer();
		ClientSettings s = settingsFor(issuer);
		s.clientSecret.clear();
		thrown<ConfigurationError>([&] { Client c(s); }, CPPUNIT_SOURCELINE());
		s = settingsFor(issuer);
		s.scope = "profile email";
		thrown<ConfigurationError>([&] { Client c(s); }, CPPUNIT_SOURCELINE());
		s = settingsFor(issuer);
		s.caFile = "/nonexistent/ca.pem";
		const ConfigurationError e = thrown<ConfigurationError>([&] { Client c(s); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "CA file"));
	}

private:
	Client client() const { return Client(settingsFor(_provider->issuer())); }

	std::unique_ptr<Provider> _provider;
};

CPPUNIT_TEST_SUITE_REGISTRATION(OidcClientTest);
