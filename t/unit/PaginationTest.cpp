// Page: limit and cursor parsing, trimming the extra row, and the next Link.
#include "http/Pagination.h"
#include "http/HttpError.h"
#include "http/Request.h"
#include "util/Base64.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using Nexus::Base64;
using Nexus::Http::BadRequest;
using Nexus::Http::Page;
using Nexus::Http::Request;

using NexusTest::contains;
using NexusTest::thrown;

namespace {

Page pageOf(const std::string& target)
{
	return Page::from(Request("GET", target), {"status"});
}

/// The URI between '<' and '>' of a Link header value.
std::string linkTarget(const std::string& link)
{
	const auto open = link.find('<');
	const auto close = link.find('>');
	if (open != 0 || close == std::string::npos) return {};
	return link.substr(1, close - 1);
}

} // namespace

class PaginationTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PaginationTest);
	CPPUNIT_TEST(testDefaults);
	CPPUNIT_TEST(testLimit);
	CPPUNIT_TEST(testLimitOutOfRange);
	CPPUNIT_TEST(testLimitNotANumber);
	CPPUNIT_TEST(testLimitRejectsThousandsSeparator);
	CPPUNIT_TEST(testAfter);
	CPPUNIT_TEST(testEmptyAfterIsFirstPage);
	CPPUNIT_TEST(testBadCursor);
	CPPUNIT_TEST(testTrimWithExtraRow);
	CPPUNIT_TEST(testTrimWithoutExtraRow);
	CPPUNIT_TEST(testNextLink);
	CPPUNIT_TEST(testNextLinkKeepsTheFilters);
	CPPUNIT_TEST(testNextLinkDropsUnknownParameters);
	CPPUNIT_TEST(testFiltersAreBounded);
	CPPUNIT_TEST(testNextLinkReplacesLimitAndAfter);
	CPPUNIT_TEST(testNextLinkCursorDecodesToLastKey);
	CPPUNIT_TEST(testNextLinkFollowsToNextPage);
	CPPUNIT_TEST_SUITE_END();

public:
	void testDefaults()
	{
		const Page page = pageOf("/api/agents");
		CPPUNIT_ASSERT_EQUAL(std::size_t(100), Page::kDefaultLimit);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1000), Page::kMaxLimit);
		CPPUNIT_ASSERT_EQUAL(std::size_t(100), page.limit());
		CPPUNIT_ASSERT_EQUAL(std::size_t(101), page.fetch());
		CPPUNIT_ASSERT_EQUAL(std::string(), page.after());
	}

	void testLimit()
	{
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), pageOf("/x?limit=1").limit());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), pageOf("/x?limit=1").fetch());
		CPPUNIT_ASSERT_EQUAL(std::size_t(25), pageOf("/x?limit=25").limit());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1000), pageOf("/x?limit=1000").limit());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1001), pageOf("/x?limit=1000").fetch());
	}

	void testLimitOutOfRange()
	{
		for (const char* target :
		     {"/x?limit=0", "/x?limit=1001", "/x?limit=-1", "/x?limit=4294967296", "/x?limit=99999999999999999999"})
		{
			const auto e = thrown<BadRequest>([&] { pageOf(target); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(std::string(target) + ": " + e.what(), contains(e.what(), "'limit'"));
		}
	}

	void testLimitNotANumber()
	{
		for (const char* target :
		     {"/x?limit=", "/x?limit", "/x?limit=abc", "/x?limit=1.5", "/x?limit=10x", "/x?limit=0x10", "/x?limit=1e2"})
		{
			const auto e = thrown<BadRequest>([&] { pageOf(target); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(std::string(target) + ": " + e.what(), contains(e.what(), "'limit'"));
		}
	}

	void testLimitRejectsThousandsSeparator()
	{
		// "1,0" is not an integer; it must not be read as ten.
		try
		{
			const Page page = pageOf("/x?limit=1,0");
			CPPUNIT_FAIL("limit=1,0 was accepted as limit " + std::to_string(page.limit()));
		}
		catch (const BadRequest& e)
		{
			CPPUNIT_ASSERT(contains(e.what(), "'limit'"));
		}
	}

	void testAfter()
	{
		const std::string key = "2024-01-01T00:00:00.000|bob";
		const Page page = pageOf("/x?after=" + Base64::encode(key, Base64::kUrl));
		CPPUNIT_ASSERT_EQUAL(key, page.after());
		CPPUNIT_ASSERT_EQUAL(std::size_t(100), page.limit());
		const std::string binary("\0\xFF\x01", 3);
		CPPUNIT_ASSERT_EQUAL(binary, pageOf("/x?limit=5&after=" + Base64::encode(binary, Base64::kUrl)).after());
	}

	void testEmptyAfterIsFirstPage()
	{
		CPPUNIT_ASSERT_EQUAL(std::string(), pageOf("/x?after=").after());
		CPPUNIT_ASSERT_EQUAL(std::string(), pageOf("/x?after").after());
	}

	void testBadCursor()
	{
		for (const char* target :
		     {"/x?after=!!!!", "/x?after=A", "/x?after=Zg%3D%3D", "/x?after=Zm9v%2Bg", "/x?after=a+b"})
		{
			const auto e = thrown<BadRequest>([&] { pageOf(target); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(std::string(target) + ": " + e.what(), contains(e.what(), "'after'"));
		}
	}

	void testTrimWithExtraRow()
	{
		const Page page = pageOf("/x?limit=3");
		std::vector<int> rows = {1, 2, 3, 4};
		CPPUNIT_ASSERT(page.trim(rows));
		CPPUNIT_ASSERT(std::vector<int>({1, 2, 3}) == rows);
	}

	void testTrimWithoutExtraRow()
	{
		const Page page = pageOf("/x?limit=3");
		std::vector<int> full = {1, 2, 3};
		CPPUNIT_ASSERT(!page.trim(full));
		CPPUNIT_ASSERT(std::vector<int>({1, 2, 3}) == full);
		std::vector<int> shorter = {1};
		CPPUNIT_ASSERT(!page.trim(shorter));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), shorter.size());
		std::vector<int> none;
		CPPUNIT_ASSERT(!page.trim(none));
		CPPUNIT_ASSERT(none.empty());
	}

	void testNextLink()
	{
		const Request request("GET", "/api/agents");
		const Page page = Page::from(request, {});
		CPPUNIT_ASSERT_EQUAL("</api/agents?limit=100&after=" + Base64::encode("bob", Base64::kUrl) + ">; rel=\"next\"",
		                     page.nextLink(request, "bob"));
	}

	void testNextLinkKeepsTheFilters()
	{
		const Request request("GET", "/api/agents?status=online&q=a%20b+c&q=second");
		const std::string target = linkTarget(Page::from(request, {"status", "q", "absent"}).nextLink(request, "k"));
		const Request next("GET", target);
		CPPUNIT_ASSERT_EQUAL(std::string("/api/agents"), next.path());
		CPPUNIT_ASSERT_EQUAL(std::string("online"), next.query("status").value());
		CPPUNIT_ASSERT_EQUAL(std::string("a b c"), next.query("q").value());
		// In the order of the filters, each once, re-encoded; no absent one.
		CPPUNIT_ASSERT_MESSAGE(target, contains(next.queryString(), "status=online&q=a%20b%20c&limit=100&after="));
		CPPUNIT_ASSERT_MESSAGE(target, !contains(target, "second") && !contains(target, "absent"));
	}

	void testNextLinkDropsUnknownParameters()
	{
		// An unknown parameter, however long, never reaches the Link header.
		const Request request("GET", "/api/registry/models?limit=1&x=" + std::string(4000, 'A') + "&provider=ollama");
		const std::string link = Page::from(request, {"provider", "modality"}).nextLink(request, "7");
		CPPUNIT_ASSERT_EQUAL("</api/registry/models?provider=ollama&limit=1&after=" +
		                         Base64::encode("7", Base64::kUrl) + ">; rel=\"next\"",
		                     link);
	}

	void testFiltersAreBounded()
	{
		const std::string fits(Page::kMaxFilterBytes - std::string("q=&").size(), 'a');
		CPPUNIT_ASSERT_NO_THROW(Page::from(Request("GET", "/x?q=" + fits), {"q"}));
		// Percent-encoding counts: 700 bytes of %FF are 2,100 encoded.
		std::string encoded;
		for (int i = 0; i < 700; ++i) encoded += "%FF";
		for (const std::string& target : {"/x?q=" + fits + "a", "/x?q=" + encoded, "/x?a=" + fits + "&q=b"})
		{
			const std::string message = thrown<BadRequest>(
			                                [&] {
				                                Page::from(Request("GET", target), {"a", "q"});
			                                },
			                                CPPUNIT_SOURCELINE())
			                                .what();
			CPPUNIT_ASSERT_MESSAGE(message, contains(message, "query parameter '") && contains(message, "too long"));
		}
		// An unknown parameter does not count.
		CPPUNIT_ASSERT_NO_THROW(Page::from(Request("GET", "/x?other=" + fits + fits), {"q"}));
	}

	void testNextLinkReplacesLimitAndAfter()
	{
		const std::string old = Base64::encode("old", Base64::kUrl);
		const Request request("GET", "/api/agents?limit=5&status=online&after=" + old + "&afterglow=1");
		const Page page = Page::from(request, {"status", "afterglow"});
		const std::string target = linkTarget(page.nextLink(request, "new"));
		CPPUNIT_ASSERT_MESSAGE(target, !contains(target, old));
		CPPUNIT_ASSERT_EQUAL(std::string::npos, target.find("limit=", target.find("limit=") + 1));
		CPPUNIT_ASSERT_EQUAL(std::string::npos, target.find("&after=", target.find("&after=") + 1));
		const Request next("GET", target);
		CPPUNIT_ASSERT_EQUAL(std::string("5"), next.query("limit").value());
		CPPUNIT_ASSERT_EQUAL(std::string("online"), next.query("status").value());
		CPPUNIT_ASSERT_EQUAL(std::string("1"), next.query("afterglow").value());
		CPPUNIT_ASSERT_EQUAL(std::string("new"), Base64::decode(next.query("after").value(), Base64::kUrl).value());
	}

	void testNextLinkCursorDecodesToLastKey()
	{
		for (const std::string& key : {std::string("bob"),
		                               std::string("2024-05-01 12:00:00.123\x1f"
		                                           "42"),
		                               std::string("\xC3\xA9\0\xFF", 4)})
		{
			const Request request("GET", "/api/agents?limit=2");
			const std::string link = Page::from(request, {}).nextLink(request, key);
			const std::string marker = "&after=";
			const auto at = link.find(marker);
			CPPUNIT_ASSERT(at != std::string::npos);
			const std::string cursor = link.substr(at + marker.size(), link.find('>') - at - marker.size());
			CPPUNIT_ASSERT_EQUAL(key, Base64::decode(cursor, Base64::kUrl).value());
		}
	}

	void testNextLinkFollowsToNextPage()
	{
		const Request first("GET", "/api/agents?limit=2&status=online");
		const Page page = Page::from(first, {"status"});
		const Page second = pageOf(linkTarget(page.nextLink(first, "carol")));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), second.limit());
		CPPUNIT_ASSERT_EQUAL(std::string("carol"), second.after());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(PaginationTest);
