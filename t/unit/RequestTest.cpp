// Request: path segments, query parameters, headers and percent-encoding.
#include "http/Request.h"
#include "http/CgiRequest.h"
#include "http/HttpError.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using Nexus::Http::BadRequest;
using Nexus::Http::CgiRequest;
using Nexus::Http::Request;

using NexusTest::thrown;

namespace {

using Segments = std::vector<std::string>;

} // namespace

class RequestTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RequestTest);
	CPPUNIT_TEST(testPathAndQueryString);
	CPPUNIT_TEST(testOriginFromSchemeHostAndPort);
	CPPUNIT_TEST(testCookieByName);
	CPPUNIT_TEST(testSegments);
	CPPUNIT_TEST(testSegmentsAreDecoded);
	CPPUNIT_TEST(testEncodedSlashStaysInSegment);
	CPPUNIT_TEST(testPlusInPathIsNotSpace);
	CPPUNIT_TEST(testTrailingSlash);
	CPPUNIT_TEST(testRoot);
	CPPUNIT_TEST(testDotSegmentsRejected);
	CPPUNIT_TEST(testEncodedDotSegmentsRejected);
	CPPUNIT_TEST(testDotsInsideSegmentAllowed);
	CPPUNIT_TEST(testNulRejected);
	CPPUNIT_TEST(testMalformedEscapesRejected);
	CPPUNIT_TEST(testPathMustBeAbsolute);
	CPPUNIT_TEST(testQuery);
	CPPUNIT_TEST(testQueryPlusIsSpace);
	CPPUNIT_TEST(testQueryRepeatedNameGivesFirst);
	CPPUNIT_TEST(testQueryWithoutEquals);
	CPPUNIT_TEST(testQueryMalformedEscapeRejected);
	CPPUNIT_TEST(testHeaders);
	CPPUNIT_TEST(testMediaType);
	CPPUNIT_TEST(testPathParams);
	CPPUNIT_TEST(testPercentEncode);
	CPPUNIT_TEST(testPercentEncodeRoundTrip);
	CPPUNIT_TEST(testPercentDecode);
	CPPUNIT_TEST(testQueuedAt);
	CPPUNIT_TEST_SUITE_END();

public:
	void testOriginFromSchemeHostAndPort()
	{
		Request r("GET", "/");
		CPPUNIT_ASSERT_EQUAL(std::string(), r.origin());
		r.setScheme("http");
		r.setHeader("Host", "127.0.0.1");
		r.setServerPort("4260");
		CPPUNIT_ASSERT_EQUAL(std::string("http://127.0.0.1:4260"), r.origin());
		r.setScheme("https");
		r.setServerPort("443");
		r.setHeader("Host", "nexus.example");
		CPPUNIT_ASSERT_EQUAL(std::string("https://nexus.example"), r.origin());
		r.setHeader("Host", "nexus.example:8443");
		CPPUNIT_ASSERT_EQUAL(std::string("https://nexus.example:8443"), r.origin());
		r.setHeader("Host", "evil.example/x?");
		CPPUNIT_ASSERT_EQUAL(std::string(), r.origin());
		r.setHeader("Host", "[::1]");
		r.setServerPort("4260");
		CPPUNIT_ASSERT_EQUAL(std::string("https://[::1]:4260"), r.origin());
		r.setScheme("javascript");
		CPPUNIT_ASSERT_EQUAL(std::string(), r.origin());
	}

	void testCookieByName()
	{
		Request r("GET", "/");
		CPPUNIT_ASSERT(!r.cookie("a"));
		r.setHeader("Cookie", "xa=1; a = two ;b=3; a=4");
		CPPUNIT_ASSERT_EQUAL(std::string("two"), *r.cookie("a"));
		CPPUNIT_ASSERT_EQUAL(std::string("3"), *r.cookie("b"));
		CPPUNIT_ASSERT(!r.cookie("x"));
	}

	void testPathAndQueryString()
	{
		Request r("GET", "/api/a%20b?limit=5&x=y");
		CPPUNIT_ASSERT_EQUAL(std::string("GET"), r.method());
		CPPUNIT_ASSERT_EQUAL(std::string("/api/a%20b"), r.path());
		CPPUNIT_ASSERT_EQUAL(std::string("limit=5&x=y"), r.queryString());
		Request none("GET", "/api");
		CPPUNIT_ASSERT_EQUAL(std::string("/api"), none.path());
		CPPUNIT_ASSERT_EQUAL(std::string(), none.queryString());
	}

	void testSegments()
	{
		CPPUNIT_ASSERT(Segments({"api", "agents", "bob", "profile"}) ==
		               Request("GET", "/api/agents/bob/profile").segments());
		CPPUNIT_ASSERT(Segments({"api", "", "x"}) == Request("GET", "/api//x").segments());
	}

	void testSegmentsAreDecoded()
	{
		CPPUNIT_ASSERT(Segments({"api", "a b", "c"}) == Request("GET", "/api/a%20b/c").segments());
		CPPUNIT_ASSERT(Segments({"\xC3\xA9t\xC3\xA9"}) == Request("GET", "/%C3%A9t%c3%a9").segments());
	}

	void testEncodedSlashStaysInSegment()
	{
		CPPUNIT_ASSERT(Segments({"api", "a/b", "c"}) == Request("GET", "/api/a%2Fb/c").segments());
		CPPUNIT_ASSERT(Segments({"api", "a/b"}) == Request("GET", "/api/a%2fb").segments());
	}

	void testPlusInPathIsNotSpace() { CPPUNIT_ASSERT(Segments({"a+b"}) == Request("GET", "/a+b").segments()); }

	void testTrailingSlash()
	{
		CPPUNIT_ASSERT(Segments({"api", "agents"}) == Request("GET", "/api/agents/").segments());
		CPPUNIT_ASSERT(Request("GET", "/api/agents").segments() == Request("GET", "/api/agents/?limit=1").segments());
	}

	void testRoot()
	{
		CPPUNIT_ASSERT(Segments({""}) == Request("GET", "/").segments());
		CPPUNIT_ASSERT(Segments({""}) == Request("GET", "/?a=1").segments());
	}

	void testDotSegmentsRejected()
	{
		for (const char* target : {"/api/./x", "/api/../x", "/..", "/.", "/api/x/..", "/api/../../etc/passwd"})
		{
			const auto e = thrown<BadRequest>([&] { Request("GET", target); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL_MESSAGE(target, 400, e.status());
		}
	}

	void testEncodedDotSegmentsRejected()
	{
		for (const char* target : {"/api/%2e%2e/x", "/api/%2E%2E", "/api/.%2e/x", "/api/%2e/x", "/%2E"})
		{
			const auto e = thrown<BadRequest>([&] { Request("GET", target); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL_MESSAGE(target, 400, e.status());
		}
	}

	void testDotsInsideSegmentAllowed()
	{
		CPPUNIT_ASSERT(Segments({"a..b", "...", ".x"}) == Request("GET", "/a..b/.../.x").segments());
	}

	void testNulRejected()
	{
		CPPUNIT_ASSERT_THROW(Request("GET", "/api/a%00b"), BadRequest);
		CPPUNIT_ASSERT_THROW(Request("GET", "/%00"), BadRequest);
	}

	void testMalformedEscapesRejected()
	{
		for (const char* target : {"/%", "/%4", "/%zz", "/a%", "/a%4", "/a%g0b", "/%%41", "/api/%2/x"})
		{
			const auto e = thrown<BadRequest>([&] { Request("GET", target); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(target, std::string(e.what()).find("path") != std::string::npos);
		}
	}

	void testPathMustBeAbsolute()
	{
		CPPUNIT_ASSERT_THROW(Request("GET", ""), BadRequest);
		CPPUNIT_ASSERT_THROW(Request("GET", "api/agents"), BadRequest);
		CPPUNIT_ASSERT_THROW(Request("GET", "?a=1"), BadRequest);
	}

	void testQuery()
	{
		Request r("GET", "/x?limit=5&name=a%20b&empty=");
		CPPUNIT_ASSERT_EQUAL(std::string("5"), r.query("limit").value());
		CPPUNIT_ASSERT_EQUAL(std::string("a b"), r.query("name").value());
		CPPUNIT_ASSERT_EQUAL(std::string(), r.query("empty").value());
		CPPUNIT_ASSERT(!r.query("missing"));
		CPPUNIT_ASSERT(!r.query("Limit"));
		CPPUNIT_ASSERT_EQUAL(std::string("1"), Request("GET", "/x?a%20b=1").query("a b").value());
		CPPUNIT_ASSERT_EQUAL(std::string("1"), Request("GET", "/x?&&a=1&").query("a").value());
	}

	void testQueryPlusIsSpace()
	{
		Request r("GET", "/x?q=a+b%2Bc&x+y=1");
		CPPUNIT_ASSERT_EQUAL(std::string("a b+c"), r.query("q").value());
		CPPUNIT_ASSERT_EQUAL(std::string("1"), r.query("x y").value());
	}

	void testQueryRepeatedNameGivesFirst()
	{
		Request r("GET", "/x?a=1&b=2&a=3&a=4");
		CPPUNIT_ASSERT_EQUAL(std::string("1"), r.query("a").value());
		CPPUNIT_ASSERT_EQUAL(std::string("2"), r.query("b").value());
	}

	void testQueryWithoutEquals()
	{
		Request r("GET", "/x?flag&a=1");
		CPPUNIT_ASSERT(r.query("flag").has_value());
		CPPUNIT_ASSERT_EQUAL(std::string(), r.query("flag").value());
		CPPUNIT_ASSERT_EQUAL(std::string("b=c"), Request("GET", "/x?a=b=c").query("a").value());
	}

	void testQueryMalformedEscapeRejected()
	{
		const auto e = thrown<BadRequest>([] { Request("GET", "/x?limit=%zz"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(std::string(e.what()).find("limit") != std::string::npos);
		CPPUNIT_ASSERT_THROW(Request("GET", "/x?a=%"), BadRequest);
		CPPUNIT_ASSERT_THROW(Request("GET", "/x?%4=1"), BadRequest);
	}

	void testHeaders()
	{
		Request r("POST", "/x");
		r.setHeader("Content-Type", "application/json");
		r.setHeader("AUTHORIZATION", "Bearer one");
		CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.header("content-type").value());
		CPPUNIT_ASSERT_EQUAL(std::string("Bearer one"), r.header("authorization").value());
		CPPUNIT_ASSERT(!r.header("x-missing"));
		r.setHeader("Authorization", "Bearer two");
		CPPUNIT_ASSERT_EQUAL(std::string("Bearer two"), r.header("authorization").value());
	}

	void testMediaType()
	{
		Request r("POST", "/x");
		CPPUNIT_ASSERT_EQUAL(std::string(), r.mediaType());
		r.setHeader("Content-Type", "application/json");
		CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.mediaType());
		r.setHeader("Content-Type", "Application/JSON; charset=UTF-8");
		CPPUNIT_ASSERT_EQUAL(std::string("application/json"), r.mediaType());
		r.setHeader("Content-Type", "  text/Plain ;charset=utf-8");
		CPPUNIT_ASSERT_EQUAL(std::string("text/plain"), r.mediaType());
	}

	void testPathParams()
	{
		Request r("GET", "/api/agents/bob");
		CPPUNIT_ASSERT_EQUAL(std::string(), r.pathParam("slug"));
		r.setPathParams({{"slug", "bob"}});
		CPPUNIT_ASSERT_EQUAL(std::string("bob"), r.pathParam("slug"));
		CPPUNIT_ASSERT_EQUAL(std::string(), r.pathParam("other"));
	}

	void testPercentEncode()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("AZaz09-_.~"), Request::percentEncode("AZaz09-_.~"));
		CPPUNIT_ASSERT_EQUAL(std::string("a%20b%2Fc%2B%3D%26%3F%25"), Request::percentEncode("a b/c+=&?%"));
		CPPUNIT_ASSERT_EQUAL(std::string("%C3%A9"), Request::percentEncode("\xC3\xA9"));
		CPPUNIT_ASSERT_EQUAL(std::string("%00%FF"), Request::percentEncode(std::string("\0\xFF", 2)));
	}

	void testPercentEncodeRoundTrip()
	{
		std::string all;
		for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
		const std::string encoded = Request::percentEncode(all);
		CPPUNIT_ASSERT_EQUAL(all, Request::percentDecode(encoded, false, "test"));
		CPPUNIT_ASSERT_EQUAL(all, Request::percentDecode(encoded, true, "test"));
		// An encoded value survives as one segment and as one query value.
		const std::string value = "a/b?c&d=e f+g%h\xC3\xA9";
		Request r("GET", "/x/" + Request::percentEncode(value) + "?v=" + Request::percentEncode(value));
		CPPUNIT_ASSERT(Segments({"x", value}) == r.segments());
		CPPUNIT_ASSERT_EQUAL(value, r.query("v").value());
	}

	void testPercentDecode()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("a+b c"), Request::percentDecode("a+b%20c", false, "x"));
		CPPUNIT_ASSERT_EQUAL(std::string("a b c"), Request::percentDecode("a+b%20c", true, "x"));
		const auto e =
		    thrown<BadRequest>([] { Request::percentDecode("%x1", false, "the thing"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(std::string(e.what()).find("the thing") != std::string::npos);
	}

	void testQueuedAt()
	{
		CPPUNIT_ASSERT_EQUAL(1764000000123LL, CgiRequest::msec("1764000000.123").value());
		CPPUNIT_ASSERT_EQUAL(0LL, CgiRequest::msec("0.000").value());
		for (const char* bad : {"", "1764000000", "1764000000.12", "1764000000.1234", ".123", "-1.000", "1e9.000",
		                        "17640000 0.123", "1764000000,123", "1234567890123.000", "1.2.3"})
			CPPUNIT_ASSERT_MESSAGE(bad, !CgiRequest::msec(bad));
		const char* params[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/healthz", "NEXUS_QUEUED_AT=1764000000.500",
		                        nullptr};
		std::size_t length = 0;
		CPPUNIT_ASSERT_EQUAL(1764000000500LL, CgiRequest::read(params, 1024, length).queuedAtMs().value());
		const char* without[] = {"REQUEST_METHOD=GET", "REQUEST_URI=/healthz", nullptr};
		CPPUNIT_ASSERT(!CgiRequest::read(without, 1024, length).queuedAtMs());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(RequestTest);
