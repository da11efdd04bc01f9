// Memories without a database: days, the markdown of a day and search
// snippets (search words: FullTextQueryTest).
#include "memories/MemoriesPage.h"
#include "memories/MemoryDocument.h"
#include "memories/Snippet.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/DateTime.h>

#include <string>
#include <vector>

using Nexus::Memories::Entry;
using Nexus::Memories::MemoryDocument;
using Nexus::Memories::Snippet;
using NexusTest::contains;

namespace {

Entry entry(std::uint64_t id, const std::string& createdAt, const std::string& content)
{
	Entry e;
	e.id = id;
	e.agent = "addy";
	e.day = "2026-07-01";
	e.createdAt = createdAt;
	e.bytes = static_cast<std::uint32_t>(content.size());
	e.content = content;
	return e;
}

std::string repeat(const std::string& s, int n)
{
	std::string out;
	for (int i = 0; i < n; ++i) out += s;
	return out;
}

} // namespace

class MemoriesTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MemoriesTest);
	CPPUNIT_TEST(testMarkdown);
	CPPUNIT_TEST(testMarkdownKeepsContentVerbatim);
	CPPUNIT_TEST(testMarkdownEntryFromAnotherDay);
	CPPUNIT_TEST(testFileName);
	CPPUNIT_TEST(testSnippetWholeShortEntry);
	CPPUNIT_TEST(testSnippetAroundMatch);
	CPPUNIT_TEST(testSnippetWithoutMatch);
	CPPUNIT_TEST(testSnippetClippedWindow);
	CPPUNIT_TEST(testSnippetKeepsUtf8Whole);
	CPPUNIT_TEST(testMarkedHtmlMarksWordsIgnoringCase);
	CPPUNIT_TEST(testMarkedHtmlEscapesEverything);
	CPPUNIT_TEST(testMarkedHtmlPrefersTheLongestWord);
	CPPUNIT_TEST_SUITE_END();

public:
	void testMarkdown()
	{
		const std::vector<Entry> entries = {entry(1, "2026-07-01 14:03:07.123", "First thought."),
		                                    entry(2, "2026-07-01 14:05:00.000", "Second\nthought.\n")};
		CPPUNIT_ASSERT_EQUAL(std::string("# addy \u2014 2026-07-01\n"
		                                 "\n## 14:03:07 UTC\n\nFirst thought.\n"
		                                 "\n## 14:05:00 UTC\n\nSecond\nthought.\n"),
		                     MemoryDocument::markdown("addy", "2026-07-01", entries));
		CPPUNIT_ASSERT_EQUAL(std::string("# addy \u2014 2026-07-01\n"),
		                     MemoryDocument::markdown("addy", "2026-07-01", {}));
	}

	void testMarkdownKeepsContentVerbatim()
	{
		const std::string content =
		    "```sql\n'; DROP TABLE memories; --\n```\r\n<script>alert(1)</script> \xF0\x9F\xA7\xA0\n"
		    "## 12:00:00 UTC\n\n";
		const std::string doc =
		    MemoryDocument::markdown("addy", "2026-07-01", {entry(7, "2026-07-01 00:00:00.000", content)});
		CPPUNIT_ASSERT_EQUAL(std::string("# addy \u2014 2026-07-01\n\n## 00:00:00 UTC\n\n") + content, doc);
	}

	void testMarkdownEntryFromAnotherDay()
	{
		const std::string doc =
		    MemoryDocument::markdown("addy", "2026-07-01", {entry(3, "2026-07-02 09:00:00.000", "Late note")});
		CPPUNIT_ASSERT(contains(doc, "\n## 2026-07-02 09:00:00 UTC\n\nLate note\n"));
	}

	void testFileName()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("addy-2026-07-01.md"), MemoryDocument::fileName("addy", "2026-07-01", "md"));
	}

	void testSnippetWholeShortEntry()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("Remember the ollama host."),
		                     Snippet::make("Remember the ollama host.", {"ollama"}, false, false));
		// White space runs become one space; ends are trimmed.
		CPPUNIT_ASSERT_EQUAL(std::string("a b c"), Snippet::make("\n a\r\n\tb  c \n", {"b"}, false, false));
		CPPUNIT_ASSERT_EQUAL(std::string(), Snippet::make("", {"b"}, false, false));
	}

	void testSnippetAroundMatch()
	{
		const std::string text = repeat("lorem ipsum ", 50) + "the NEEDLE is here " + repeat("dolor sit ", 50);
		const std::string s = Snippet::make(text, {"needle"}, false, false);
		CPPUNIT_ASSERT(contains(s, "NEEDLE is here"));
		CPPUNIT_ASSERT(NexusTest::startsWith(s, "\u2026"));
		CPPUNIT_ASSERT(s.size() >= 6 && s.compare(s.size() - 3, 3, "\u2026") == 0);
		CPPUNIT_ASSERT(s.size() <= Snippet::kMaxChars + 6);
		// Cut at white space: no partial word after the leading "…".
		CPPUNIT_ASSERT(s.compare(3, 5, "lorem") == 0 || s.compare(3, 5, "ipsum") == 0);
	}

	void testSnippetWithoutMatch()
	{
		const std::string text = repeat("abc ", 100);
		const std::string s = Snippet::make(text, {"zzz"}, false, false);
		CPPUNIT_ASSERT(NexusTest::startsWith(s, "abc abc"));
		CPPUNIT_ASSERT(s.compare(s.size() - 3, 3, "\u2026") == 0);
	}

	void testSnippetClippedWindow()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("\u2026middle\u2026"), Snippet::make("middle", {"mid"}, true, true));
		CPPUNIT_ASSERT_EQUAL(std::string("\u2026end"), Snippet::make("end", {"end"}, true, false));
	}

	void testSnippetKeepsUtf8Whole()
	{
		const std::string text = repeat("\xc3\xa9", 300) + "needle" + repeat("\xe2\x82\xac", 300);
		const std::string s = Snippet::make(text, {"needle"}, false, false);
		CPPUNIT_ASSERT(contains(s, "needle"));
		CPPUNIT_ASSERT(Nexus::Memories::Snippet::kMaxChars >= 100);
		// Every code point whole: no stray continuation byte at either end.
		const std::string inner = s.substr(3, s.size() - 6);
		CPPUNIT_ASSERT_EQUAL(std::string("\xc3\xa9"), inner.substr(0, 2));
		CPPUNIT_ASSERT_EQUAL(std::string("\xe2\x82\xac"), inner.substr(inner.size() - 3));
	}

	void testMarkedHtmlMarksWordsIgnoringCase()
	{
		using Nexus::Memories::markedHtml;
		CPPUNIT_ASSERT_EQUAL(std::string("The <mark>Ollama</mark> box; <mark>ollama</mark>s and a <mark>GPU</mark>"),
		                     markedHtml("The Ollama box; ollamas and a GPU", {"ollama", "gpu"}));
		CPPUNIT_ASSERT_EQUAL(std::string("nothing here"), markedHtml("nothing here", {"ollama"}));
		// ASCII case only: "CAFÉ" is not "café" to the marker.
		CPPUNIT_ASSERT_EQUAL(std::string("<mark>caf\xC3\xA9</mark> <mark>CAF</mark>\xC3\x89"),
		                     markedHtml("caf\xC3\xA9 CAF\xC3\x89", {"caf\xC3\xA9", "caf"}));
	}

	void testMarkedHtmlEscapesEverything()
	{
		using Nexus::Memories::markedHtml;
		CPPUNIT_ASSERT_EQUAL(std::string("&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; &amp; &quot;x&quot;"),
		                     markedHtml("<script>alert(1)</script> & \"x\"", {"alert"}));
		// A word of markup characters is marked and escaped, never let through.
		CPPUNIT_ASSERT_EQUAL(std::string("a <mark>&lt;b&gt;</mark> c"), markedHtml("a <b> c", {"<b>"}));
		CPPUNIT_ASSERT(!contains(markedHtml("<img src=x onerror=alert(1)>", {"img", "src"}), "<img"));
	}

	void testMarkedHtmlPrefersTheLongestWord()
	{
		using Nexus::Memories::markedHtml;
		CPPUNIT_ASSERT_EQUAL(std::string("<mark>ollamas</mark>"), markedHtml("ollamas", {"oll", "ollamas"}));
		CPPUNIT_ASSERT_EQUAL(std::string(""), markedHtml("", {"x"}));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(MemoriesTest);
