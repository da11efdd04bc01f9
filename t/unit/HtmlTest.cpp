// Html: content negotiation of the UI endpoints, escaping and the page frame.
#include "http/Html.h"
#include "http/Request.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Http::Request;
namespace Html = Nexus::Http::Html;

using NexusTest::contains;

namespace {

Request withAccept(const std::string& accept)
{
	Request request("GET", "/api/secrets");
	request.setHeader("accept", accept);
	return request;
}

const char* const kFirefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

} // namespace

class HtmlTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(HtmlTest);
	CPPUNIT_TEST(testBrowserGetsHtml);
	CPPUNIT_TEST(testJsonClientsGetJson);
	CPPUNIT_TEST(testBearerAlwaysGetsJson);
	CPPUNIT_TEST(testQualityDecides);
	CPPUNIT_TEST(testMalformedQualityCountsAsZero);
	CPPUNIT_TEST(testEscape);
	CPPUNIT_TEST(testPage);
	CPPUNIT_TEST_SUITE_END();

public:
	void testBrowserGetsHtml()
	{
		CPPUNIT_ASSERT(Html::wanted(withAccept(kFirefox)));
		CPPUNIT_ASSERT(Html::wanted(withAccept("text/html")));
		CPPUNIT_ASSERT(Html::wanted(withAccept("TEXT/HTML; charset=utf-8")));
		CPPUNIT_ASSERT(Html::wanted(withAccept("application/xhtml+xml")));
	}

	void testJsonClientsGetJson()
	{
		CPPUNIT_ASSERT(!Html::wanted(Request("GET", "/api/secrets"))); // no Accept: curl's default is */*
		CPPUNIT_ASSERT(!Html::wanted(withAccept("*/*")));
		CPPUNIT_ASSERT(!Html::wanted(withAccept("application/json")));
		CPPUNIT_ASSERT(!Html::wanted(withAccept("text/*")));
		// Equal preference goes to the API's default, JSON.
		CPPUNIT_ASSERT(!Html::wanted(withAccept("text/html, application/json")));
		CPPUNIT_ASSERT(!Html::wanted(withAccept("application/json, text/html")));
	}

	void testBearerAlwaysGetsJson()
	{
		Request request = withAccept(kFirefox);
		request.setHeader("authorization", "Bearer something");
		CPPUNIT_ASSERT(!Html::wanted(request));
	}

	void testQualityDecides()
	{
		CPPUNIT_ASSERT(Html::wanted(withAccept("application/json;q=0.5, text/html")));
		CPPUNIT_ASSERT(!Html::wanted(withAccept("application/json, text/html;q=0.9")));
		CPPUNIT_ASSERT(!Html::wanted(withAccept("text/html;q=0")));
		CPPUNIT_ASSERT(Html::wanted(withAccept("text/html;level=1;q=0.4, application/json;q=0.3")));
	}

	void testMalformedQualityCountsAsZero()
	{
		CPPUNIT_ASSERT(!Html::wanted(withAccept("text/html;q=lots")));
		CPPUNIT_ASSERT(!Html::wanted(withAccept("text/html;q=-1")));
		CPPUNIT_ASSERT(!Html::wanted(withAccept(";;,,")));
	}

	void testEscape()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"),
		                     Html::escape("<script>alert('x')</script> & \"q\""));
		CPPUNIT_ASSERT_EQUAL(std::string("Dev Fast · Cheap"), Html::escape("Dev Fast · Cheap"));
	}

	void testPage()
	{
		const auto response = Html::page(200, "A <b> title", "<p>body</p>\n");
		CPPUNIT_ASSERT_EQUAL(200, response.status());
		CPPUNIT_ASSERT_EQUAL(std::string("text/html; charset=utf-8"), response.contentType());
		CPPUNIT_ASSERT(contains(response.body(), "<title>A &lt;b&gt; title · Nexus</title>"));
		CPPUNIT_ASSERT(contains(response.body(), "<p>body</p>"));
		CPPUNIT_ASSERT(contains(response.header("Content-Security-Policy"), "default-src 'none'"));
		// Script and style only from this site's /static/, nothing inline.
		CPPUNIT_ASSERT(contains(response.header("Content-Security-Policy"), "script-src 'self'"));
		CPPUNIT_ASSERT(contains(response.header("Content-Security-Policy"), "style-src 'self'"));
		CPPUNIT_ASSERT(!contains(response.header("Content-Security-Policy"), "unsafe-inline"));
		CPPUNIT_ASSERT(contains(response.body(), "<link rel=\"stylesheet\" href=\"/static/nexus.css\">"));
		CPPUNIT_ASSERT(!contains(response.body(), "<style"));
		CPPUNIT_ASSERT_EQUAL(std::string("nosniff"), response.header("X-Content-Type-Options"));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(HtmlTest);
