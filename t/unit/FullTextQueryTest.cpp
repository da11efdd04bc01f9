// How a search (?query=) is cut into words and split between the full-text
// index and a scan (knowledge and memories search both use it).
#include "db/FullTextQuery.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>
#include <string>
#include <vector>

using Nexus::Db::FullTextQuery;
using NexusTest::contains;
using NexusTest::thrown;

namespace {

using Words = std::vector<std::string>;

const std::size_t kMaxChars = 200;
const std::size_t kMaxWords = 12;

FullTextQuery parse(const std::string& text)
{
	return FullTextQuery::parse(text, kMaxChars, kMaxWords);
}

std::string refusal(const std::string& text, std::size_t maxWords = kMaxWords)
{
	return thrown<std::invalid_argument>([&] { FullTextQuery::parse(text, kMaxChars, maxWords); }, CPPUNIT_SOURCELINE())
	    .what();
}

/// n different words: "w0 w1 w2 ...".
std::string words(int n)
{
	std::string out;
	for (int i = 0; i < n; ++i) out += "w" + std::to_string(i) + " ";
	return out;
}

} // namespace

class FullTextQueryTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FullTextQueryTest);
	CPPUNIT_TEST(testWords);
	CPPUNIT_TEST(testText);
	CPPUNIT_TEST(testNonAsciiLettersAreLetters);
	CPPUNIT_TEST(testNonAsciiSymbolsSeparate);
	CPPUNIT_TEST(testCaseAndRepeats);
	CPPUNIT_TEST(testShortWordsAndStopwordsAreScanned);
	CPPUNIT_TEST(testNonAsciiWordsAreIndexed);
	CPPUNIT_TEST(testTokenSizesFromTheServer);
	CPPUNIT_TEST(testBooleanTerms);
	CPPUNIT_TEST(testOperatorsAreNotPassedThrough);
	CPPUNIT_TEST(testRefused);
	CPPUNIT_TEST(testLimits);
	CPPUNIT_TEST(testLikeEscape);
	CPPUNIT_TEST(testRegexPattern);
	CPPUNIT_TEST_SUITE_END();

public:
	void testWords()
	{
		CPPUNIT_ASSERT(parse("  GPU-box-1   ollama\tgpu ").words() == Words({"gpu", "box", "1", "ollama"}));
		CPPUNIT_ASSERT(parse("  Ollama, GPU-server; ollama \"quoted\" +must -not *star* ").words() ==
		               Words({"ollama", "gpu", "server", "quoted", "must", "not", "star"}));
		CPPUNIT_ASSERT(parse("snake_case").words() == Words({"snake_case"}));
	}

	void testText()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("GPU-box-1 ollama gpu"), parse("  GPU-box-1   ollama\tgpu ").text());
	}

	void testNonAsciiLettersAreLetters()
	{
		CPPUNIT_ASSERT(parse("caf\xC3\xA9 na\xC3\xAFve").words() == Words({"caf\xC3\xA9", "na\xC3\xAFve"}));
		// Marks and numbers belong to a word too, as in InnoDB: "हिन्दी" is one
		// word, as is "cafe" with a combining acute accent, and "x²".
		CPPUNIT_ASSERT(parse("\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80").words() ==
		               Words({"\xE0\xA4\xB9\xE0\xA4\xBF\xE0\xA4\xA8\xE0\xA5\x8D\xE0\xA4\xA6\xE0\xA5\x80"}));
		CPPUNIT_ASSERT(parse("cafe\xCC\x81 x\xC2\xB2").words() == Words({"cafe\xCC\x81", "x\xC2\xB2"}));
		// "データ": the prolonged sound mark is a letter.
		CPPUNIT_ASSERT(parse("\xE3\x83\x87\xE3\x83\xBC\xE3\x82\xBF").words().size() == 1);
	}

	void testNonAsciiSymbolsSeparate()
	{
		// Emoji, typographic quotes, dashes, no-break spaces and symbols
		// separate words, as in InnoDB; they are no words themselves.
		CPPUNIT_ASSERT(parse("brain\xF0\x9F\xA7\xA0"
		                     "dump!")
		                   .words() == Words({"brain", "dump"}));
		CPPUNIT_ASSERT(parse("\xE2\x80\x9Collama\xE2\x80\x9D gpu\xE2\x80\x94"
		                     "box a\xC2\xA0"
		                     "b 5\xE2\x82\xAC")
		                   .words() == Words({"ollama", "gpu", "box", "a", "b", "5"}));
		CPPUNIT_ASSERT(contains(refusal("\xF0\x9F\xA7\xA0 \xE2\x80\x94"), "no word"));
	}

	void testCaseAndRepeats()
	{
		CPPUNIT_ASSERT(parse("CAF\xC3\x89 \xC3\x89t\xC3\xA9 caf\xC3\xA9").words() ==
		               Words({"caf\xC3\xA9", "\xC3\xA9t\xC3\xA9"}));
		// Repeats do not count twice.
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), parse("a A a A a A a A a A a A a A").words().size());
	}

	void testShortWordsAndStopwordsAreScanned()
	{
		const auto q = parse("oll ai the www k8s gpu-box-1");
		CPPUNIT_ASSERT(q.indexed() == Words({"oll", "k8s", "gpu", "box"}));
		CPPUNIT_ASSERT(q.scanned() == Words({"ai", "the", "www", "1"}));
		const auto m = parse("db the migration of 42 ci pipelines");
		CPPUNIT_ASSERT(m.indexed() == Words({"migration", "pipelines"}));
		CPPUNIT_ASSERT(m.scanned() == Words({"db", "the", "of", "42", "ci"}));
		CPPUNIT_ASSERT(FullTextQuery::isStopword("about"));
		CPPUNIT_ASSERT(FullTextQuery::isStopword("www"));
		CPPUNIT_ASSERT(!FullTextQuery::isStopword("ollama"));
		// A stopword in capitals is still one.
		CPPUNIT_ASSERT(parse("THE").scanned() == Words({"the"}));
	}

	void testNonAsciiWordsAreIndexed()
	{
		// InnoDB (utf8mb4) indexes non-ASCII words, counting characters, not
		// bytes: "été" is 3 characters.
		CPPUNIT_ASSERT(parse("\xC3\xA9t\xC3\xA9").indexed() == Words({"\xC3\xA9t\xC3\xA9"}));
		const auto q = parse("caf\xC3\xA9 \xC3\xA0 db");
		CPPUNIT_ASSERT(q.indexed() == Words({"caf\xC3\xA9"}));
		CPPUNIT_ASSERT(q.scanned() == Words({"\xC3\xA0", "db"}));
		// Characters beyond the Basic Multilingual Plane are separators to
		// InnoDB: a word holding one is scanned ("𠀀𠀁𠀂").
		const auto ext = parse("\xF0\xA0\x80\x80\xF0\xA0\x80\x81\xF0\xA0\x80\x82");
		CPPUNIT_ASSERT(ext.indexed().empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), ext.scanned().size());
	}

	void testTokenSizesFromTheServer()
	{
		const auto q = FullTextQuery::parse("gpu ollama abcdefghij", kMaxChars, kMaxWords, 4, 8);
		CPPUNIT_ASSERT(q.indexed() == Words({"ollama"}));
		CPPUNIT_ASSERT(q.scanned() == Words({"gpu", "abcdefghij"}));
		CPPUNIT_ASSERT(parse(std::string(84, 'x')).indexed().size() == 1);
		CPPUNIT_ASSERT(parse(std::string(85, 'x')).scanned().size() == 1);
	}

	void testBooleanTerms()
	{
		const auto q = parse("ollama GPU ai");
		CPPUNIT_ASSERT_EQUAL(std::string("+ollama* +gpu*"), q.requiredTerms());
		CPPUNIT_ASSERT_EQUAL(std::string("ollama* gpu*"), q.anyTerms());
		const auto shortOnly = parse("ai");
		CPPUNIT_ASSERT(shortOnly.indexed().empty());
		CPPUNIT_ASSERT_EQUAL(std::string(), shortOnly.requiredTerms());
		CPPUNIT_ASSERT_EQUAL(std::string(), shortOnly.anyTerms());
		CPPUNIT_ASSERT_EQUAL(std::string("ollama* gpu* server* quoted* must* not* star*"),
		                     parse("  Ollama, GPU-server; ollama \"quoted\" +must -not *star* ").anyTerms());
	}

	void testOperatorsAreNotPassedThrough()
	{
		const auto q = parse("+ollama -gpu \"exact phrase\" (group) ~tilde <less >more @2 word*");
		for (const auto& term : {q.requiredTerms(), q.anyTerms()})
			for (char c : std::string("-\"()~<>@")) CPPUNIT_ASSERT_MESSAGE(term, !contains(term, std::string(1, c)));
		CPPUNIT_ASSERT(q.words() ==
		               Words({"ollama", "gpu", "exact", "phrase", "group", "tilde", "less", "more", "2", "word"}));
	}

	void testRefused()
	{
		CPPUNIT_ASSERT(contains(refusal("!!! ---"), "no word"));
		CPPUNIT_ASSERT(contains(refusal(""), "no word"));
		CPPUNIT_ASSERT(contains(refusal("  -+*\"() "), "no word"));
		CPPUNIT_ASSERT(contains(refusal(std::string(201, 'a')), "at most 200 characters"));
		CPPUNIT_ASSERT(contains(refusal("a\nb"), "control characters"));
		CPPUNIT_ASSERT(contains(refusal("a\x7F"
		                                "b"),
		                        "control characters"));
		CPPUNIT_ASSERT(contains(refusal("bad \xC3"), "UTF-8"));
		CPPUNIT_ASSERT(contains(refusal("\xff\xfe"), "UTF-8"));
		CPPUNIT_ASSERT(contains(refusal("a b c d e f g h i j k l m"), "at most 12 words"));
		CPPUNIT_ASSERT(contains(refusal(words(17), 16), "at most 16 words"));
	}

	void testLimits()
	{
		// Characters, not bytes: 200 two-byte letters are within 200.
		parse(std::string(200, 'a'));
		std::string accents;
		for (int i = 0; i < 200; ++i) accents += "\xC3\xA9";
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), parse(accents).words().size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(16), FullTextQuery::parse(words(16), kMaxChars, 16).words().size());
	}

	void testLikeEscape()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("100\\% a\\_b c\\\\d"), FullTextQuery::likeEscape("100% a_b c\\d"));
	}

	void testRegexPattern()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("(?i)db|ci"), FullTextQuery::regexPattern({"db", "ci"}));
		CPPUNIT_ASSERT_EQUAL(std::string("(?i)db"), FullTextQuery::regexPattern({"db"}));
		CPPUNIT_ASSERT_EQUAL(std::string(), FullTextQuery::regexPattern({}));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(FullTextQueryTest);
