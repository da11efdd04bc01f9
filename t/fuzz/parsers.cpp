// The small parsers, the first input byte picking one (FuzzInput.h, Selected):
//   0  a memory day (Time::isDate) and a memories list cursor (MemoryInput::cursor)
//   1  a memories query string: ?date=, ?from=, ?to= (MemoryInput::days)
//   2  a knowledge ?kind= list (KnowledgeInput::kinds) and a kind, name, tag
//   3  a full-text query (FullTextQuery::parse and what the stores make of it)
//   4  identifiers: slug, word, path, model id (Http::Validate), a PKCE
//      verifier, a return_to path (ReturnTo::check)
//   5  a provider URL (Oidc::Url::parse)
//   6  UTF-8 (Json::utf8Length, Json::validUtf8, Json::quote)

#include "FuzzInput.h"

#include "db/FullTextQuery.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Request.h"
#include "http/Validate.h"
#include "knowledge/Entity.h"
#include "knowledge/KnowledgeInput.h"
#include "memories/MemoryInput.h"
#include "oidc/Error.h"
#include "oidc/Pkce.h"
#include "oidc/Url.h"
#include "sso/ReturnTo.h"
#include "util/Time.h"

#include <cstdlib>
#include <stdexcept>

using namespace Nexus;

namespace {

void check(bool ok)
{
	if (!ok) std::abort();
}

void day(const std::string& s)
{
	if (Time::isDate(s)) check(s.size() == 10 && s[4] == '-' && s[7] == '-');
	try
	{
		if (const auto cursor = Memories::MemoryInput::cursor(s)) check(Time::isDate(cursor->first));
	}
	catch (const Http::HttpError&)
	{}
}

void days(const std::string& query)
{
	try
	{
		const Memories::Days d = Memories::MemoryInput::days(Http::Request("GET", "/api/memories?" + query));
		check(!d.from || Time::isDate(*d.from));
		check(!d.to || Time::isDate(*d.to));
		check(!d.from || !d.to || *d.from <= *d.to);
	}
	catch (const Http::HttpError&)
	{}
}

void kinds(const std::string& s)
{
	(void)Knowledge::Kinds::isName(s);
	(void)Knowledge::Kinds::isTag(s);
	try
	{
		for (const auto& kind : Knowledge::KnowledgeInput::kinds(
		         Http::Request("GET", "/api/knowledge?kind=" + Http::Request::percentEncode(s))))
			check(Knowledge::Kinds::isKind(kind));
	}
	catch (const Http::HttpError&)
	{}
}

void fullText(const std::string& s)
{
	try
	{
		const auto query = Db::FullTextQuery::parse(s, 200, 16);
		check(!query.words().empty() && query.words().size() <= 16);
		(void)query.requiredTerms();
		(void)query.anyTerms();
		(void)Db::FullTextQuery::regexPattern(query.scanned());
		for (const auto& word : query.words()) (void)Db::FullTextQuery::likeEscape(word);
	}
	catch (const std::invalid_argument&)
	{}
}

void identifiers(const std::string& s)
{
	(void)Http::Validate::slug(s);
	(void)Http::Validate::word(s, 64);
	(void)Http::Validate::path(s, 200);
	(void)Http::Validate::modelId(s);
	(void)Oidc::Pkce::isVerifier(s);
	if (const auto path = Sso::ReturnTo::check(s)) check(!path->empty() && (*path)[0] == '/');
}

void url(const std::string& s)
{
	try
	{
		check(Oidc::Url::isAllowed(Oidc::Url::parse(s, "the fuzzed URL")));
	}
	catch (const Oidc::Error&)
	{}
}

void utf8(const std::string& s)
{
	const auto length = Http::Json::utf8Length(s);
	const std::string valid = Http::Json::validUtf8(s);
	check(length.has_value() == (valid == s));
	check(Http::Json::utf8Length(valid).has_value());
	(void)Http::Json::quote(s);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const NexusFuzz::Selected input(data, size, 7);
	switch (input.which)
	{
	case 0: day(input.rest); break;
	case 1: days(input.rest); break;
	case 2: kinds(input.rest); break;
	case 3: fullText(input.rest); break;
	case 4: identifiers(input.rest); break;
	case 5: url(input.rest); break;
	default: utf8(input.rest);
	}
	return 0;
}
