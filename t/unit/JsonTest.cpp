// Json: request body parsing, UTF-8 checks, Fields validation and stringify.
#include "http/Json.h"
#include "http/HttpError.h"
#include "http/Request.h"
#include "http/Response.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

using Nexus::Http::BadRequest;
using Nexus::Http::Fields;
using Nexus::Http::HttpError;
using Nexus::Http::Request;
using Nexus::Http::UnsupportedMediaType;
namespace Json = Nexus::Http::Json;

using NexusTest::contains;
using NexusTest::startsWith;
using NexusTest::thrown;

namespace {

/// A POST request with body and Content-Type (none when contentType is empty).
Request post(const std::string& body, const std::string& contentType = "application/json")
{
	Request r("POST", "/api/agents/register");
	if (!contentType.empty()) r.setHeader("Content-Type", contentType);
	r.setBody(body);
	return r;
}

Poco::JSON::Object::Ptr parse(const std::string& body)
{
	return Json::parseObject(post(body));
}

/// depth nested objects: depth 1 is "{}", 2 is {"a":{}}.
std::string nestedObjects(int depth)
{
	std::string s;
	for (int i = 1; i < depth; ++i) s += "{\"a\":";
	s += "{}";
	for (int i = 1; i < depth; ++i) s += "}";
	return s;
}

std::string repeat(const std::string& s, std::size_t n)
{
	std::string out;
	for (std::size_t i = 0; i < n; ++i) out += s;
	return out;
}

const std::string kEAcute = "\xC3\xA9";        // é, 2 bytes
const std::string kEmoji = "\xF0\x9F\x98\x80"; // U+1F600, 4 bytes

} // namespace

class JsonTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(JsonTest);
	CPPUNIT_TEST(testParseObject);
	CPPUNIT_TEST(testParseWithCharset);
	CPPUNIT_TEST(testEmptyBodyAllowed);
	CPPUNIT_TEST(testEmptyBodyRefused);
	CPPUNIT_TEST(testWrongMediaType);
	CPPUNIT_TEST(testMissingMediaType);
	CPPUNIT_TEST(testMalformed);
	CPPUNIT_TEST(testTrailingGarbage);
	CPPUNIT_TEST(testNonObjectRefused);
	CPPUNIT_TEST(testDepthLimit);
	CPPUNIT_TEST(testOversizedIntegersRefused);
	CPPUNIT_TEST(testNegativeIntegersBelowTwoToThe53Refused);
	CPPUNIT_TEST(testInvalidUtf8Body);
	CPPUNIT_TEST(testEscapedNulRefused);
	CPPUNIT_TEST(testNulInKeyRefused);
	CPPUNIT_TEST(testDuplicateKeyRefused);
	CPPUNIT_TEST(testCharsetOtherThanUtf8Refused);
	CPPUNIT_TEST(testUtf8LengthAscii);
	CPPUNIT_TEST(testUtf8LengthMultibyte);
	CPPUNIT_TEST(testUtf8LengthBoundaries);
	CPPUNIT_TEST(testUtf8LengthOverlong);
	CPPUNIT_TEST(testUtf8LengthSurrogates);
	CPPUNIT_TEST(testUtf8LengthBeyondUnicode);
	CPPUNIT_TEST(testUtf8LengthTruncated);
	CPPUNIT_TEST(testUtf8LengthBadBytes);
	CPPUNIT_TEST(testUnknownFieldRejected);
	CPPUNIT_TEST(testKnownFieldsAccepted);
	CPPUNIT_TEST(testStringRequired);
	CPPUNIT_TEST(testStringMinChars);
	CPPUNIT_TEST(testStringMaxCountsCodePoints);
	CPPUNIT_TEST(testStringWrongType);
	CPPUNIT_TEST(testNullIsAbsent);
	CPPUNIT_TEST(testOptionalString);
	CPPUNIT_TEST(testNulCharRejected);
	CPPUNIT_TEST(testInvalidUtf8FieldRejected);
	CPPUNIT_TEST(testOptionalObject);
	CPPUNIT_TEST(testOptionalObjectWrongType);
	CPPUNIT_TEST(testHas);
	CPPUNIT_TEST(testStringifyKeepsUtf8);
	CPPUNIT_TEST(testStringifyKeepsInsertionOrder);
	CPPUNIT_TEST(testStringifyEscapes);
	CPPUNIT_TEST(testStringifyArray);
	CPPUNIT_TEST(testQuoteIsWhatStringifyWrites);
	CPPUNIT_TEST(testValidUtf8KeepsValidText);
	CPPUNIT_TEST(testValidUtf8ReplacesBadBytes);
	CPPUNIT_TEST(testStringifyReplacesInvalidUtf8);
	CPPUNIT_TEST(testErrorMessageIsValidUtf8);
	CPPUNIT_TEST(testAppendQuotedIsQuote);
	CPPUNIT_TEST(testTakeSecretWipesTheParseTree);
	CPPUNIT_TEST(testSecretResponseIsWiped);
	CPPUNIT_TEST_SUITE_END();

public:
	void testParseObject()
	{
		auto o = parse("{\"name\": \"bob\", \"n\": 3, \"meta\": {\"k\": [1, 2]}}");
		CPPUNIT_ASSERT_EQUAL(std::string("bob"), o->getValue<std::string>("name"));
		CPPUNIT_ASSERT_EQUAL(3, o->getValue<int>("n"));
		CPPUNIT_ASSERT(o->getObject("meta"));
	}

	void testParseWithCharset()
	{
		CPPUNIT_ASSERT_NO_THROW(Json::parseObject(post("{}", "application/json; charset=utf-8")));
		CPPUNIT_ASSERT_NO_THROW(Json::parseObject(post("{}", "Application/JSON")));
	}

	void testEmptyBodyAllowed()
	{
		auto o = Json::parseObject(post("", ""), true);
		CPPUNIT_ASSERT(o);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), o->size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), Json::parseObject(post(""), true)->size());
	}

	void testEmptyBodyRefused()
	{
		const auto e = thrown<HttpError>([] { Json::parseObject(post(""), false); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(400, e.status());
		CPPUNIT_ASSERT_EQUAL(400,
		                     thrown<HttpError>([] { Json::parseObject(post("")); }, CPPUNIT_SOURCELINE()).status());
	}

	void testWrongMediaType()
	{
		for (const char* type :
		     {"text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/json-patch+json"})
		{
			const auto e =
			    thrown<UnsupportedMediaType>([&] { Json::parseObject(post("{}", type)); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL_MESSAGE(type, 415, e.status());
			CPPUNIT_ASSERT_EQUAL(std::string("unsupported_media_type"), e.code());
		}
		// The media type is checked before the body is parsed.
		CPPUNIT_ASSERT_THROW(Json::parseObject(post("not json", "text/plain")), UnsupportedMediaType);
	}

	void testMissingMediaType() { CPPUNIT_ASSERT_THROW(Json::parseObject(post("{}", "")), UnsupportedMediaType); }

	void testMalformed()
	{
		for (const char* body :
		     {"{", "{\"a\":}", "{\"a\":1,}", "{'a':1}", "{a:1}", "nope", "{\"a\":tru}", "{\"a\":\"x}"})
		{
			const auto e = thrown<BadRequest>([&] { parse(body); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(std::string(body) + " -> " + e.what(), startsWith(e.what(), "malformed JSON"));
		}
	}

	void testTrailingGarbage()
	{
		const auto e = thrown<BadRequest>([] { parse("{} x"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(startsWith(e.what(), "malformed JSON"));
		CPPUNIT_ASSERT_THROW(parse("{}{}"), BadRequest);
	}

	void testNonObjectRefused()
	{
		for (const char* body : {"[]", "[{\"a\":1}]", "\"text\"", "42", "true", "null"})
		{
			const auto e = thrown<BadRequest>([&] { parse(body); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL_MESSAGE(body, 400, e.status());
		}
	}

	void testOversizedIntegersRefused()
	{
		// Poco's parser wraps these (2^64 + 1 reads as 1): refused before it sees them.
		for (const char* body :
		     {R"({"n":18446744073709551617})", R"({"n":-99999999999999999999})", R"({"a":[1,2,12345678901234567890]})"})
		{
			const auto e = thrown<HttpError>([&] { parse(body); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL(400, e.status());
			CPPUNIT_ASSERT(contains(e.what(), "19 digits"));
		}
		// 19 digits, long fractions and exponents, and digits inside strings are fine.
		CPPUNIT_ASSERT_EQUAL(std::string("9223372036854775807"),
		                     parse(R"({"n":9223372036854775807})")->get("n").toString());
		CPPUNIT_ASSERT_NO_THROW(parse(R"({"f":0.12345678901234567890123,"e":1e+300})"));
		CPPUNIT_ASSERT_NO_THROW(parse(R"({"s":"123456789012345678901234567890","t":"\"12345678901234567890"})"));
	}

	void testNegativeIntegersBelowTwoToThe53Refused()
	{
		// Poco's parser reads a negative integer through a double:
		// -4999999999999999999 would read back as -5000000000000000000.
		for (const char* body : {R"({"n":-4999999999999999999})", R"({"a":[1,-9007199254740993]})",
		                         R"({"n":-9223372036854775807,"m":2})", R"({"o":{"n":-12345678901234567}})"})
		{
			const auto e = thrown<HttpError>([&] { parse(body); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL(400, e.status());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "cannot be stored exactly"));
		}
		// -2^53 itself, positive integers of 19 digits, floats, exponents and strings are fine.
		CPPUNIT_ASSERT_EQUAL(std::string("-9007199254740992"),
		                     parse(R"({"n":-9007199254740992})")->get("n").toString());
		CPPUNIT_ASSERT_EQUAL(std::string("4999999999999999999"),
		                     parse(R"({"n":4999999999999999999})")->get("n").toString());
		CPPUNIT_ASSERT_NO_THROW(
		    parse(R"({"f":-49999999999999999.5,"e":-4999999999999999999e2,"g":1e-4999999999999999999})"));
		CPPUNIT_ASSERT_NO_THROW(parse(R"({"s":"-4999999999999999999"})"));
		CPPUNIT_ASSERT(Nexus::Http::Json::belowExactNegative("9007199254740993"));
		CPPUNIT_ASSERT(Nexus::Http::Json::belowExactNegative("10000000000000000"));
		CPPUNIT_ASSERT(!Nexus::Http::Json::belowExactNegative("9007199254740992"));
		CPPUNIT_ASSERT(!Nexus::Http::Json::belowExactNegative("0009007199254740992"));
		CPPUNIT_ASSERT(!Nexus::Http::Json::belowExactNegative("0"));
	}

	void testDepthLimit()
	{
		CPPUNIT_ASSERT_NO_THROW(parse(nestedObjects(32)));
		const auto e = thrown<BadRequest>([] { parse(nestedObjects(33)); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(startsWith(e.what(), "malformed JSON"));
		CPPUNIT_ASSERT_THROW(parse(nestedObjects(1000)), BadRequest);
		// Arrays count too: the object plus 32 arrays is 33 levels.
		CPPUNIT_ASSERT_NO_THROW(parse("{\"a\":" + repeat("[", 31) + repeat("]", 31) + "}"));
		CPPUNIT_ASSERT_THROW(parse("{\"a\":" + repeat("[", 32) + repeat("]", 32) + "}"), BadRequest);
	}

	void testInvalidUtf8Body()
	{
		for (const std::string& bad :
		     {std::string("\xFF"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("\xC3")})
		{
			const auto e = thrown<BadRequest>([&] { parse("{\"name\":\"" + bad + "\"}"); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL(400, e.status());
		}
		CPPUNIT_ASSERT_THROW(parse("{\"\xFF\":1}"), BadRequest);
	}

	void testEscapedNulRefused()
	{
		// The text "\\u0000" (an escaped backslash) is ordinary content; a real
		// \u0000 escape parses but no string field accepts the NUL.
		Fields literal(parse("{\"name\":\"a\\\\u0000b\"}"), {"name"});
		CPPUNIT_ASSERT_EQUAL(std::string("a\\u0000b"), literal.string("name", 1, 10));
		Fields nul(parse("{\"name\":\"a\\u0000b\"}"), {"name"});
		CPPUNIT_ASSERT_THROW(nul.string("name", 1, 10), BadRequest);
	}

	void testNulInKeyRefused()
	{
		// Poco would keep the key cut at the NUL ({"k":1}).
		for (const std::string& body : {std::string("{\"k\\u0000ey\":1}"), std::string("{\"meta\":{\"k\\u0000ey\":1}}"),
		                                std::string("{\"a\":[{\"\\u0000\":1}]}")})
		{
			const auto e = thrown<BadRequest>([&] { parse(body); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT(std::string(e.what()).find("NUL") != std::string::npos);
		}
	}

	void testDuplicateKeyRefused()
	{
		for (const std::string& body :
		     {std::string("{\"a\":1,\"a\":2}"), std::string("{\"m\":{\"x\":1,\"y\":2,\"x\":3}}"),
		      std::string("{\"l\":[{\"k\":1,\"k\":1}]}")})
		{
			const auto e = thrown<BadRequest>([&] { parse(body); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT(std::string(e.what()).find("appears twice") != std::string::npos);
		}
		// The same key in two objects, or in an object and the one inside it, is fine.
		const auto o = parse("{\"a\":{\"a\":1},\"b\":[{\"k\":1},{\"k\":2}]}");
		CPPUNIT_ASSERT_EQUAL(1, o->getObject("a")->getValue<int>("a"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), o->getArray("b")->size());
	}

	void testCharsetOtherThanUtf8Refused()
	{
		const auto e = thrown<Nexus::Http::UnsupportedMediaType>(
		    [&] { Json::parseObject(post("{}", "application/json; charset=latin1")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(415, e.status());
		for (const std::string& type :
		     {std::string("application/json; charset=utf-8"), std::string("application/json;charset=\"UTF-8\""),
		      std::string("application/json; Charset=utf8"), std::string("application/json")})
			CPPUNIT_ASSERT_EQUAL(std::size_t(0), Json::parseObject(post("{}", type))->size());
	}

	void testUtf8LengthAscii()
	{
		CPPUNIT_ASSERT(Json::utf8Length("") == std::optional<std::size_t>(0));
		CPPUNIT_ASSERT(Json::utf8Length("abc") == std::optional<std::size_t>(3));
		CPPUNIT_ASSERT(Json::utf8Length(std::string("a\0b", 3)) == std::optional<std::size_t>(3));
		CPPUNIT_ASSERT(Json::utf8Length("\x7F") == std::optional<std::size_t>(1));
	}

	void testUtf8LengthMultibyte()
	{
		CPPUNIT_ASSERT(Json::utf8Length(kEAcute) == std::optional<std::size_t>(1));
		CPPUNIT_ASSERT(Json::utf8Length("caf" + kEAcute) == std::optional<std::size_t>(4));
		CPPUNIT_ASSERT(Json::utf8Length("\xE6\x97\xA5\xE6\x9C\xAC") == std::optional<std::size_t>(2)); // 日本
		CPPUNIT_ASSERT(Json::utf8Length(kEmoji) == std::optional<std::size_t>(1));
		CPPUNIT_ASSERT(Json::utf8Length("a" + kEmoji + kEAcute + "z") == std::optional<std::size_t>(4));
	}

	void testUtf8LengthBoundaries()
	{
		CPPUNIT_ASSERT(Json::utf8Length("\xC2\x80") == std::optional<std::size_t>(1));         // U+0080
		CPPUNIT_ASSERT(Json::utf8Length("\xDF\xBF") == std::optional<std::size_t>(1));         // U+07FF
		CPPUNIT_ASSERT(Json::utf8Length("\xE0\xA0\x80") == std::optional<std::size_t>(1));     // U+0800
		CPPUNIT_ASSERT(Json::utf8Length("\xED\x9F\xBF") == std::optional<std::size_t>(1));     // U+D7FF
		CPPUNIT_ASSERT(Json::utf8Length("\xEE\x80\x80") == std::optional<std::size_t>(1));     // U+E000
		CPPUNIT_ASSERT(Json::utf8Length("\xEF\xBF\xBF") == std::optional<std::size_t>(1));     // U+FFFF
		CPPUNIT_ASSERT(Json::utf8Length("\xF0\x90\x80\x80") == std::optional<std::size_t>(1)); // U+10000
		CPPUNIT_ASSERT(Json::utf8Length("\xF4\x8F\xBF\xBF") == std::optional<std::size_t>(1)); // U+10FFFF
	}

	void testUtf8LengthOverlong()
	{
		CPPUNIT_ASSERT(!Json::utf8Length("\xC0\x80")); // NUL in 2 bytes
		CPPUNIT_ASSERT(!Json::utf8Length("\xC0\xAF")); // '/' in 2 bytes
		CPPUNIT_ASSERT(!Json::utf8Length("\xC1\xBF"));
		CPPUNIT_ASSERT(!Json::utf8Length("\xE0\x80\xAF"));     // '/' in 3 bytes
		CPPUNIT_ASSERT(!Json::utf8Length("\xE0\x9F\xBF"));     // U+07FF in 3 bytes
		CPPUNIT_ASSERT(!Json::utf8Length("\xF0\x80\x80\xAF")); // '/' in 4 bytes
		CPPUNIT_ASSERT(!Json::utf8Length("\xF0\x8F\xBF\xBF")); // U+FFFF in 4 bytes
	}

	void testUtf8LengthSurrogates()
	{
		CPPUNIT_ASSERT(!Json::utf8Length("\xED\xA0\x80"));             // U+D800
		CPPUNIT_ASSERT(!Json::utf8Length("\xED\xAF\xBF"));             // U+DBFF
		CPPUNIT_ASSERT(!Json::utf8Length("\xED\xB0\x80"));             // U+DC00
		CPPUNIT_ASSERT(!Json::utf8Length("\xED\xBF\xBF"));             // U+DFFF
		CPPUNIT_ASSERT(!Json::utf8Length("\xED\xA0\xBD\xED\xB8\x80")); // CESU-8 pair for U+1F600
	}

	void testUtf8LengthBeyondUnicode()
	{
		CPPUNIT_ASSERT(!Json::utf8Length("\xF4\x90\x80\x80")); // U+110000
		CPPUNIT_ASSERT(!Json::utf8Length("\xF7\xBF\xBF\xBF"));
	}

	void testUtf8LengthTruncated()
	{
		CPPUNIT_ASSERT(!Json::utf8Length("\xC3"));
		CPPUNIT_ASSERT(!Json::utf8Length("abc\xC3"));
		CPPUNIT_ASSERT(!Json::utf8Length("\xE6\x97"));
		CPPUNIT_ASSERT(!Json::utf8Length("\xF0\x9F\x98"));
		CPPUNIT_ASSERT(!Json::utf8Length("\xF0\x9F\x98"
		                                 "a"));
		CPPUNIT_ASSERT(!Json::utf8Length("\xC3"
		                                 "a"));
		CPPUNIT_ASSERT(!Json::utf8Length("\xE6\x97"
		                                 "a"));
	}

	void testUtf8LengthBadBytes()
	{
		CPPUNIT_ASSERT(!Json::utf8Length("\x80")); // lone continuation byte
		CPPUNIT_ASSERT(!Json::utf8Length("a\xBF"
		                                 "b"));
		CPPUNIT_ASSERT(!Json::utf8Length("\xFE"));
		CPPUNIT_ASSERT(!Json::utf8Length("\xFF"));
		CPPUNIT_ASSERT(!Json::utf8Length("\xF8\x88\x80\x80\x80")); // 5-byte form
		CPPUNIT_ASSERT(!Json::utf8Length("\xFC\x84\x80\x80\x80\x80"));
	}

	void testUnknownFieldRejected()
	{
		const auto e = thrown<BadRequest>(
		    [] {
			    Fields(parse("{\"name\":\"a\",\"colour\":\"red\"}"), {"name", "description"});
		    },
		    CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "colour"));
		CPPUNIT_ASSERT_THROW(Fields(parse("{\"Name\":\"a\"}"), {"name"}), BadRequest);
		CPPUNIT_ASSERT_THROW(Fields(parse("{\"a\":1}"), {}), BadRequest);
	}

	void testKnownFieldsAccepted()
	{
		CPPUNIT_ASSERT_NO_THROW(Fields(parse("{\"name\":\"a\"}"), {"name", "description"}));
		CPPUNIT_ASSERT_NO_THROW(Fields(parse("{}"), {"name"}));
		CPPUNIT_ASSERT_NO_THROW(Fields(parse("{}"), {}));
	}

	void testStringRequired()
	{
		Fields f(parse("{\"other\":\"x\"}"), {"name", "other"});
		const auto e = thrown<BadRequest>([&] { f.string("name", 1, 10); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "'name'"));
		CPPUNIT_ASSERT_EQUAL(std::string("x"), f.string("other", 1, 10));
	}

	void testStringMinChars()
	{
		Fields f(parse("{\"empty\":\"\",\"two\":\"" + kEAcute + kEAcute + "\"}"), {"empty", "two"});
		const auto e = thrown<BadRequest>([&] { f.string("empty", 1, 10); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "'empty'"));
		CPPUNIT_ASSERT_EQUAL(std::string(), f.string("empty", 0, 10));
		// Two code points (four bytes) are not three characters.
		CPPUNIT_ASSERT_THROW(f.string("two", 3, 10), BadRequest);
		CPPUNIT_ASSERT_EQUAL(kEAcute + kEAcute, f.string("two", 2, 2));
	}

	void testStringMaxCountsCodePoints()
	{
		const std::string ok = repeat(kEAcute, 200);
		Fields f(parse("{\"ok\":\"" + ok + "\",\"long\":\"" + repeat(kEAcute, 201) + "\",\"emoji\":\"" +
		               repeat(kEmoji, 10) + "\"}"),
		         {"ok", "long", "emoji"});
		CPPUNIT_ASSERT_EQUAL(ok, f.string("ok", 1, 200));
		const auto e = thrown<BadRequest>([&] { f.string("long", 1, 200); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "'long'"));
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "200"));
		CPPUNIT_ASSERT_EQUAL(repeat(kEmoji, 10), f.string("emoji", 10, 10));
		CPPUNIT_ASSERT_THROW(f.string("emoji", 1, 9), BadRequest);
	}

	void testStringWrongType()
	{
		Fields f(parse("{\"n\":42,\"f\":1.5,\"b\":true,\"a\":[\"x\"],\"o\":{\"x\":\"y\"}}"), {"n", "f", "b", "a", "o"});
		for (const char* name : {"n", "f", "b", "a", "o"})
		{
			const auto e = thrown<BadRequest>([&] { f.string(name, 0, 10); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "'" + std::string(name) + "'"));
			CPPUNIT_ASSERT_THROW(f.optionalString(name, 10), BadRequest);
		}
	}

	void testNullIsAbsent()
	{
		Fields f(parse("{\"name\":null,\"meta\":null}"), {"name", "meta"});
		CPPUNIT_ASSERT(!f.has("name"));
		CPPUNIT_ASSERT(!f.optionalString("name", 10));
		CPPUNIT_ASSERT(!f.optionalObject("meta"));
		const auto e = thrown<BadRequest>([&] { f.string("name", 0, 10); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "'name'"));
	}

	void testOptionalString()
	{
		Fields f(parse("{\"d\":\"" + repeat(kEAcute, 5) + "\"}"), {"d", "missing"});
		CPPUNIT_ASSERT(!f.optionalString("missing", 5));
		CPPUNIT_ASSERT_EQUAL(repeat(kEAcute, 5), f.optionalString("d", 5).value());
		const auto e = thrown<BadRequest>([&] { f.optionalString("d", 4); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "'d'"));
	}

	void testNulCharRejected()
	{
		// A \u0000 escape parses; Fields refuses the NUL it decodes to, in any string field.
		auto o = Json::object();
		o->set("name", std::string("a\0b", 3));
		Fields f(o, {"name"});
		const auto e = thrown<BadRequest>([&] { f.string("name", 1, 10); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "'name'"));
		CPPUNIT_ASSERT_THROW(f.optionalString("name", 10), BadRequest);
	}

	void testInvalidUtf8FieldRejected()
	{
		auto o = Json::object();
		o->set("name", std::string("\xC3"));
		Fields f(o, {"name"});
		const auto e = thrown<BadRequest>([&] { f.string("name", 1, 10); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "'name'"));
	}

	void testOptionalObject()
	{
		Fields f(parse("{\"meta\":{\"os\":\"linux\",\"n\":1}}"), {"meta", "missing"});
		auto meta = f.optionalObject("meta");
		CPPUNIT_ASSERT(meta);
		CPPUNIT_ASSERT_EQUAL(std::string("linux"), meta->getValue<std::string>("os"));
		CPPUNIT_ASSERT(!f.optionalObject("missing"));
	}

	void testOptionalObjectWrongType()
	{
		Fields f(parse("{\"s\":\"x\",\"n\":1,\"a\":[]}"), {"s", "n", "a"});
		for (const char* name : {"s", "n", "a"})
		{
			const auto e = thrown<BadRequest>([&] { f.optionalObject(name); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "'" + std::string(name) + "'"));
		}
	}

	void testHas()
	{
		Fields f(parse("{\"a\":\"\",\"b\":0,\"c\":null}"), {"a", "b", "c", "d"});
		CPPUNIT_ASSERT(f.has("a"));
		CPPUNIT_ASSERT(f.has("b"));
		CPPUNIT_ASSERT(!f.has("c"));
		CPPUNIT_ASSERT(!f.has("d"));
	}

	void testValidUtf8KeepsValidText()
	{
		for (const std::string& text : {std::string(), std::string("plain"), kEAcute + "\xE6\x97\xA5" + kEmoji,
		                                std::string("\xEF\xBB\xBF{}"), std::string("a\0b", 3)})
			CPPUNIT_ASSERT_EQUAL(text, Json::validUtf8(text));
	}

	void testValidUtf8ReplacesBadBytes()
	{
		const std::string fffd = "\xEF\xBF\xBD";
		CPPUNIT_ASSERT_EQUAL("no kind '" + fffd + "'", Json::validUtf8("no kind '\xFF'"));
		CPPUNIT_ASSERT_EQUAL(fffd + fffd, Json::validUtf8("\xC0\xAF")); // overlong '/'
		CPPUNIT_ASSERT_EQUAL("a" + fffd + fffd + "b", Json::validUtf8("a\xE2\x82"
		                                                              "b"));       // truncated
		CPPUNIT_ASSERT_EQUAL(fffd + fffd + fffd, Json::validUtf8("\xED\xA0\x80")); // a surrogate
		CPPUNIT_ASSERT_EQUAL(kEAcute + fffd + kEAcute, Json::validUtf8(kEAcute + "\x80" + kEAcute));
		CPPUNIT_ASSERT_EQUAL(fffd + fffd, Json::validUtf8("\xE2\x82")); // one U+FFFD for each byte
		CPPUNIT_ASSERT(Json::utf8Length(Json::validUtf8("\xF4\x90\x80\x80\xFE\xFF")).has_value());
	}

	void testStringifyReplacesInvalidUtf8()
	{
		auto o = Json::object();
		o->set("message", std::string("no kind '\xFF'"));
		o->set(std::string("k\xC3"), 1);
		const std::string text = Json::stringify(*o);
		CPPUNIT_ASSERT_EQUAL(std::string("{\"message\":\"no kind '\xEF\xBF\xBD'\",\"k\xEF\xBF\xBD\":1}"), text);
		CPPUNIT_ASSERT(Json::utf8Length(text).has_value());
		Poco::JSON::Array a;
		a.add(std::string("\xFF"));
		CPPUNIT_ASSERT_EQUAL(std::string("[\"\xEF\xBF\xBD\"]"), Json::stringify(a));
		CPPUNIT_ASSERT_EQUAL(std::string("\"\xEF\xBF\xBD\""), Json::quote("\xFF"));
	}

	void testErrorMessageIsValidUtf8()
	{
		const BadRequest e("no kind '\xFF' in the knowledge base");
		CPPUNIT_ASSERT_EQUAL(std::string("no kind '\xEF\xBF\xBD' in the knowledge base"), std::string(e.what()));
	}

	void testStringifyKeepsUtf8()
	{
		auto o = Json::object();
		o->set("name", kEAcute + "\xE6\x97\xA5" + kEmoji);
		CPPUNIT_ASSERT_EQUAL("{\"name\":\"" + kEAcute + "\xE6\x97\xA5" + kEmoji + "\"}", Json::stringify(*o));
		// Round trip through the parser.
		auto back = parse(Json::stringify(*o));
		CPPUNIT_ASSERT_EQUAL(kEAcute + "\xE6\x97\xA5" + kEmoji, back->getValue<std::string>("name"));
	}

	void testStringifyKeepsInsertionOrder()
	{
		auto o = Json::object();
		o->set("zeta", 1);
		o->set("alpha", 2);
		o->set("mid", "x");
		auto inner = Json::object();
		inner->set("b", true);
		inner->set("a", false);
		o->set("inner", inner);
		CPPUNIT_ASSERT_EQUAL(std::string("{\"zeta\":1,\"alpha\":2,\"mid\":\"x\",\"inner\":{\"b\":true,\"a\":false}}"),
		                     Json::stringify(*o));
	}

	void testStringifyEscapes()
	{
		auto o = Json::object();
		o->set("s", std::string("q\"b\\n\nt\t"));
		const std::string text = Json::stringify(*o);
		CPPUNIT_ASSERT_EQUAL(std::string("{\"s\":\"q\\\"b\\\\n\\nt\\t\"}"), text);
		CPPUNIT_ASSERT_EQUAL(std::string("q\"b\\n\nt\t"), parse(text)->getValue<std::string>("s"));
	}

	void testStringifyArray()
	{
		Poco::JSON::Array a;
		a.add(1);
		a.add(kEAcute);
		a.add(Json::object());
		CPPUNIT_ASSERT_EQUAL("[1,\"" + kEAcute + "\",{}]", Json::stringify(a));
	}

	void testQuoteIsWhatStringifyWrites()
	{
		for (const std::string& s :
		     {std::string(""), std::string("plain"), std::string("quote \" backslash \\ slash / tab \t nl \n cr \r"),
		      std::string("ctl \x01\x1f del \x7f"),
		      std::string("caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\xA7\xA0 \xE2\x80\xA8"), std::string("</script>")})
		{
			auto o = Json::object();
			o->set("k", s);
			CPPUNIT_ASSERT_EQUAL(Json::stringify(*o), "{\"k\":" + Json::quote(s) + "}");
		}
		CPPUNIT_ASSERT_EQUAL(std::string("\"a\\\"b\""), Json::quote("a\"b"));
	}

	void testAppendQuotedIsQuote()
	{
		std::vector<std::string> samples = {"",
		                                    "plain",
		                                    "a\"b\\c/d",
		                                    "tab\there\nnew\rline\bf\f",
		                                    "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
		                                    "bad \xFF\xC3 bytes \xED\xA0\x80",
		                                    std::string("nul\0in", 6)};
		for (int c = 0; c < 256; ++c) samples.push_back(std::string(1, static_cast<char>(c)) + "x");
		for (const auto& s : samples)
		{
			std::string out = "prefix:";
			out.reserve(out.size() + Nexus::Http::Json::quotedSize(s));
			const auto capacity = out.capacity();
			Nexus::Http::Json::appendQuoted(out, s);
			CPPUNIT_ASSERT_EQUAL("prefix:" + Nexus::Http::Json::quote(s), out);
			CPPUNIT_ASSERT_EQUAL(Nexus::Http::Json::quote(s).size(), Nexus::Http::Json::quotedSize(s));
			CPPUNIT_ASSERT_MESSAGE("no reallocation, so no stray copy", out.capacity() == capacity);
		}
	}

	void testTakeSecretWipesTheParseTree()
	{
		Poco::JSON::Object::Ptr body = Nexus::Http::Json::object();
		body->set("value", std::string("correct horse battery"));
		const Fields fields(body, {"value"});
		const auto taken = fields.takeSecret("value");
		CPPUNIT_ASSERT(taken);
		CPPUNIT_ASSERT_EQUAL(std::string("correct horse battery"), *taken);
		const std::string left = body->getValue<std::string>("value");
		CPPUNIT_ASSERT_EQUAL(std::string(21, '\0'), left);
		CPPUNIT_ASSERT(!fields.takeSecret("absent"));
		body->set("value", 5);
		thrown<BadRequest>([&] { fields.takeSecret("value"); }, CPPUNIT_SOURCELINE());
	}

	void testSecretResponseIsWiped()
	{
		Nexus::Http::Response secret = Nexus::Http::Response::secretJson(200, std::string(64, 's'));
		const char* bytes = secret.body().data();
		secret.wipe();
		for (int i = 0; i < 64; ++i) CPPUNIT_ASSERT_EQUAL('\0', bytes[i]); // the buffer is kept: still readable
		CPPUNIT_ASSERT(secret.body().empty());
		Nexus::Http::Response plain = Nexus::Http::Response::json(200, std::string("{}"));
		plain.wipe();
		CPPUNIT_ASSERT_EQUAL(std::string("{}"), plain.body());
		// A copy is a secret too (wiped when it goes), an assignment takes the flag along.
		Nexus::Http::Response copy = Nexus::Http::Response::secretJson(200, std::string(40, 'c'));
		Nexus::Http::Response other = copy;
		CPPUNIT_ASSERT(other.secret());
		other = plain;
		CPPUNIT_ASSERT(!other.secret());
		CPPUNIT_ASSERT_EQUAL(std::string("{}"), other.body());

		Request request;
		request.setBody(std::string(50, 'b'));
		const char* raw = request.body().data();
		request.wipeBody();
		for (int i = 0; i < 50; ++i) CPPUNIT_ASSERT_EQUAL('\0', raw[i]);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(JsonTest);
