// How a knowledge search is split between the full-text index and LIKE.
#include "knowledge/SearchQuery.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>

using Nexus::Knowledge::SearchQuery;
using NexusTest::contains;
using NexusTest::thrown;

namespace {

using Words = std::vector<std::string>;

std::string refusal(const std::string& text)
{
	return thrown<std::invalid_argument>([&] { SearchQuery::parse(text); }, CPPUNIT_SOURCELINE()).what();
}

} // namespace

class SearchQueryTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SearchQueryTest);
	CPPUNIT_TEST(testWords);
	CPPUNIT_TEST(testShortWordsAndStopwordsUseLike);
	CPPUNIT_TEST(testTokenSizesFromTheServer);
	CPPUNIT_TEST(testBooleanTerms);
	CPPUNIT_TEST(testOperatorsAreNotPassedThrough);
	CPPUNIT_TEST(testRefused);
	CPPUNIT_TEST(testLikeEscape);
	CPPUNIT_TEST_SUITE_END();

public:
	void testWords()
	{
		const auto q = SearchQuery::parse("  GPU-box-1   ollama\tgpu ");
		CPPUNIT_ASSERT(q.words() == Words({"GPU", "box", "1", "ollama"}));
		CPPUNIT_ASSERT_EQUAL(std::string("GPU-box-1 ollama gpu"), q.text());
		CPPUNIT_ASSERT(SearchQuery::parse("caf\xC3\xA9 na\xC3\xAFve").words() ==
		               Words({"caf\xC3\xA9", "na\xC3\xAFve"}));
		CPPUNIT_ASSERT(SearchQuery::parse("snake_case").words() == Words({"snake_case"}));
	}

	void testShortWordsAndStopwordsUseLike()
	{
		const auto q = SearchQuery::parse("oll ai the www k8s gpu-box-1");
		CPPUNIT_ASSERT(q.fulltextWords() == Words({"oll", "k8s", "gpu", "box"}));
		CPPUNIT_ASSERT(q.likeWords() == Words({"ai", "the", "www", "1"}));
		CPPUNIT_ASSERT(SearchQuery::isStopword("about"));
		CPPUNIT_ASSERT(!SearchQuery::isStopword("ollama"));
		// Characters, not bytes, count: "été" is 3 characters.
		CPPUNIT_ASSERT(SearchQuery::parse("\xC3\xA9t\xC3\xA9").fulltextWords() == Words({"\xC3\xA9t\xC3\xA9"}));
	}

	void testTokenSizesFromTheServer()
	{
		const auto q = SearchQuery::parse("gpu ollama abcdefghij", 4, 8);
		CPPUNIT_ASSERT(q.fulltextWords() == Words({"ollama"}));
		CPPUNIT_ASSERT(q.likeWords() == Words({"gpu", "abcdefghij"}));
	}

	void testBooleanTerms()
	{
		const auto q = SearchQuery::parse("ollama GPU ai");
		CPPUNIT_ASSERT_EQUAL(std::string("+ollama* +GPU*"), q.requiredTerms());
		CPPUNIT_ASSERT_EQUAL(std::string("ollama* GPU*"), q.anyTerms());
		CPPUNIT_ASSERT_EQUAL(std::string(), SearchQuery::parse("ai").requiredTerms());
	}

	void testOperatorsAreNotPassedThrough()
	{
		const auto q = SearchQuery::parse("+ollama -gpu \"exact phrase\" (group) ~tilde <less >more @2 word*");
		for (const auto& term : {q.requiredTerms(), q.anyTerms()})
			for (char c : std::string("-\"()~<>@")) CPPUNIT_ASSERT_MESSAGE(term, !contains(term, std::string(1, c)));
		CPPUNIT_ASSERT(q.words() ==
		               Words({"ollama", "gpu", "exact", "phrase", "group", "tilde", "less", "more", "2", "word"}));
	}

	void testRefused()
	{
		CPPUNIT_ASSERT(contains(refusal("!!! ---"), "no word"));
		CPPUNIT_ASSERT(contains(refusal(std::string(201, 'a')), "at most 200 characters"));
		CPPUNIT_ASSERT(contains(refusal("a\nb"), "control characters"));
		CPPUNIT_ASSERT(contains(refusal("bad \xC3"), "UTF-8"));
		CPPUNIT_ASSERT(contains(refusal("a b c d e f g h i j k l m"), "at most 12 words"));
		// Repeats do not count twice.
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), SearchQuery::parse("a A a A a A a A a A a A a A").words().size());
	}

	void testLikeEscape()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("100\\% a\\_b c\\\\d"), SearchQuery::likeEscape("100% a_b c\\d"));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(SearchQueryTest);
