// FastCGI params and body -> Http::Request (CgiRequest::read, what the
// FastCGI adapter calls), then every accessor a handler reads: path
// segments, query, headers, cookies, form fields, media type, origin,
// pagination, the session cookie, the OIDC callback parameters, return_to,
// the Idempotency-Key (t/fuzz/session.cpp fuzzes the cookie, the callback
// parameters and the key alone).
// Input: t/fuzz/FuzzInput.h, CgiInput.

#include "FuzzInput.h"

#include "http/CgiRequest.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Pagination.h"
#include "http/Request.h"
#include "idempotency/IdempotencyKey.h"
#include "sso/CallbackParams.h"
#include "sso/ReturnTo.h"
#include "ui/SessionCookie.h"

#include <cstdlib>

using namespace Nexus;

namespace {

const char* const kNames[] = {"a", "query", "after", "limit", "kind", "format", "return_to", "state", "code", "ttl"};

void check(bool ok)
{
	if (!ok) std::abort();
}

void use(Http::Request& request, const std::string& body)
{
	request.setBody(body);
	for (const auto& segment : request.segments())
	{
		check(segment != "." && segment != ".." && segment.find('\0') == std::string::npos);
		check(Http::Request::percentDecode(Http::Request::percentEncode(segment), false, "segment") == segment);
	}
	for (const char* name : kNames) (void)request.query(name);
	for (const char* name : {"authorization", "accept", "cookie", "origin", "host", "idempotency-key"})
		(void)request.header(name);
	(void)request.cookie("nexus_session");
	(void)request.mediaType();
	(void)request.charset();
	const std::string origin = request.origin();
	check(origin.find_first_of("\r\n ") == std::string::npos);
	(void)Http::Html::wanted(request);
	(void)Ui::SessionCookie::value(request);
	(void)Ui::SessionCookie::name(request);
	(void)Sso::CallbackParams::read(request);
	if (auto target = request.query("return_to")) (void)Sso::ReturnTo::check(*target);
	try
	{
		if (auto key = Idempotency::IdempotencyKey::of(request)) check(Idempotency::IdempotencyKey::valid(*key));
		(void)Idempotency::IdempotencyKey::fingerprint(request);
	}
	catch (const Http::HttpError&)
	{}
	try
	{
		(void)request.formField("csrf");
	}
	catch (const Http::HttpError&)
	{}
	try
	{
		(void)Http::Page::from(request, {"kind", "query", "agent"});
	}
	catch (const Http::HttpError&)
	{}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const NexusFuzz::CgiInput input(NexusFuzz::text(data, size));
	const auto envp = input.envp();
	try
	{
		std::size_t length = 0;
		Http::Request request = Http::CgiRequest::read(envp.data(), 1 << 20, length);
		use(request, input.body.substr(0, length));
	}
	catch (const Http::HttpError&)
	{}
	return 0;
}
