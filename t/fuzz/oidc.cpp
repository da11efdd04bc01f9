// What an OpenID provider sends, as the relying party reads it: the first
// input byte picks the parser, the rest is its input (FuzzInput.h, Selected):
//   0  a JWKS (Jwks::parse)
//   1  a discovery document (ProviderMetadata::parse, issuer https://idp.example)
//   2  an ID token as sent (IdTokenVerifier::verify against this target's key set)
//   3  an ID token's payload (JSON): signed here with the key set's ES256 key,
//      then verified, so that the claim checks see every mutation
//   4  a token endpoint's answer: a 200 body, then the same as a 400's
//      (Client::tokenResponse)
// Only Oidc::Error and its subclasses may come out.

#include "FuzzInput.h"

#include "../unit/OidcTestKeys.h"

#include "oidc/Client.h"
#include "oidc/ClientSettings.h"
#include "oidc/Error.h"
#include "oidc/IdTokenVerifier.h"
#include "oidc/Jwks.h"
#include "oidc/ProviderMetadata.h"
#include "util/Base64.h"

#include <Poco/Exception.h>

#include <cstdlib>

using namespace Nexus;

namespace {

const char* const kIssuer = "https://idp.example";
const char* const kNonce = "n-0S6_WzA2Mj";

const OidcTest::TestKey& key()
{
	static const OidcTest::TestKey k = OidcTest::makeP256Key();
	return k;
}

const Oidc::Jwks& keySet()
{
	static const Oidc::Jwks keys = Oidc::Jwks::parse(OidcTest::jwks({key().jwk("ec-1", ",\"use\":\"sig\"")}));
	return keys;
}

const Oidc::IdTokenVerifier& verifier()
{
	static const Oidc::IdTokenVerifier v = [] {
		Oidc::ClientSettings settings;
		settings.issuer = kIssuer;
		settings.clientId = "nexus";
		return Oidc::IdTokenVerifier(settings);
	}();
	return v;
}

/// 2027-01-15T08:00:00Z: the seeds' tokens are valid then.
const Poco::Timestamp kNow = Poco::Timestamp::fromEpochTime(1800000000);

void verify(const std::string& token)
{
	const Oidc::Claims claims = verifier().verify(token, keySet(), kNonce, kNow);
	if (claims.subject.empty()) std::abort();
}

/// payload signed by key() with ES256 and kid ec-1; "" when payload is no JSON object.
std::string signedToken(const std::string& payload)
{
	const std::string header = Base64::encode("{\"alg\":\"ES256\",\"kid\":\"ec-1\"}", Base64::kUrl);
	Poco::JWT::Token token;
	try
	{
		token = Poco::JWT::Token(header + "." + Base64::encode(payload, Base64::kUrl) + ".");
	}
	catch (const Poco::Exception&)
	{
		return std::string();
	}
	return OidcTest::sign(token, key(), "ES256", "ec-1");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const NexusFuzz::Selected input(data, size, 5);
	try
	{
		switch (input.which)
		{
		case 0: (void)Oidc::Jwks::parse(input.rest); break;
		case 1: (void)Oidc::ProviderMetadata::parse(input.rest, kIssuer); break;
		case 2: verify(input.rest); break;
		case 3:
			if (const std::string token = signedToken(input.rest); !token.empty()) verify(token);
			break;
		default:
			try
			{
				(void)Oidc::Client::tokenResponse(200, input.rest);
			}
			catch (const Oidc::Error&)
			{}
			(void)Oidc::Client::tokenResponse(400, input.rest);
		}
	}
	catch (const Oidc::Error&)
	{}
	return 0;
}
