// What a browser or a retrying client sends besides the body, each read by
// the function the handlers call; the first input byte picks one
// (t/fuzz/FuzzInput.h, Selected), the rest is the header or query:
//   0  a Cookie header, over https and http: the session cookie
//      (Ui::SessionCookie::value, signedOut), its CSRF token and Set-Cookie
//   1  an Idempotency-Key header (Idempotency::IdempotencyKey::of), the
//      request fingerprint and the key's identity
//   2  the query of the provider's redirect to /api/auth/callback
//      (Sso::CallbackParams::read)
// Only HttpError may come out (a 400); a broken invariant aborts.

#include "FuzzInput.h"

#include "http/HttpError.h"
#include "http/Request.h"
#include "idempotency/IdempotencyKey.h"
#include "sso/CallbackParams.h"
#include "ui/SessionCookie.h"

#include <cctype>
#include <cstdlib>

using namespace Nexus;

namespace {

void check(bool ok)
{
	if (!ok) std::abort();
}

bool printable(const std::string& s)
{
	for (unsigned char c : s)
		if (c < 0x20 || c >= 0x7f) return false;
	return true;
}

void cookie(const std::string& header)
{
	for (const char* scheme : {"https", "http"})
	{
		Http::Request request("GET", "/ui/agents");
		request.setScheme(scheme);
		request.setHeader("cookie", header);
		const std::string name = Ui::SessionCookie::name(request);
		check(name == (std::string(scheme) == "https" ? Ui::SessionCookie::kSecureName : Ui::SessionCookie::kPlainName));
		(void)Ui::SessionCookie::signedOut(request);
		const auto value = Ui::SessionCookie::value(request);
		if (!value) continue;
		// Only a value Nexus could have made is looked up: 43 URL-safe characters.
		check(value->size() == 43);
		for (unsigned char c : *value) check(std::isalnum(c) || c == '-' || c == '_');
		check(Ui::SessionCookie::csrfToken(*value).size() == 43);
		check(Ui::SessionCookie::csrfToken(*value) == Ui::SessionCookie::csrfToken(*value));
		const std::string setCookie = Ui::SessionCookie::set(request, *value, 3600);
		check(setCookie.compare(0, name.size() + 1, name + "=") == 0 && printable(setCookie));
		check(Ui::SessionCookie::hash(*value).size() == 64);
	}
}

void idempotencyKey(const std::string& header)
{
	Http::Request request("POST", "/api/memories/collect");
	request.setHeader("idempotency-key", header);
	request.setBody("{}");
	try
	{
		const auto key = Idempotency::IdempotencyKey::of(request);
		check(key.has_value());
		check(Idempotency::IdempotencyKey::valid(*key));
		check(!key->empty() && key->size() <= Idempotency::IdempotencyKey::kMaxChars);
		for (unsigned char c : *key) check(c > 0x20 && c < 0x7f);
		check(Idempotency::IdempotencyKey::fingerprint(request).size() == 64);
		// Fields cannot run into each other: another split is another identity.
		check(Idempotency::IdempotencyKey::identity("agent:a", *key) !=
		      Idempotency::IdempotencyKey::identity("agent:a" + key->substr(0, 1), key->substr(1)));
	}
	catch (const Http::HttpError& e)
	{
		check(e.status() == 400 && !Idempotency::IdempotencyKey::valid(header));
	}
}

void callback(const std::string& query)
{
	try
	{
		const Http::Request request("GET", "/api/auth/callback?" + query);
		const Sso::CallbackParams params = Sso::CallbackParams::read(request);
		if (params.state) check(!params.state->empty() && params.state->size() <= Sso::CallbackParams::kMaxStateLength);
		if (params.code) check(!params.code->empty());
		if (params.refusal) check(printable(*params.refusal));
	}
	catch (const Http::HttpError& e)
	{
		check(e.status() == 400);
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const NexusFuzz::Selected input(data, size, 3);
	switch (input.which)
	{
	case 0: cookie(input.rest); break;
	case 1: idempotencyKey(input.rest); break;
	default: callback(input.rest);
	}
	return 0;
}
