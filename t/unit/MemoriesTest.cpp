// Memories without a database: days, the markdown of a day and search
// snippets (search words: FullTextQueryTest).
#include "http/Json.h"
#include "http/Response.h"
#include "memories/MemoriesPage.h"
#include "memories/MemoryDocument.h"
#include "memories/Snippet.h"
#include "util/Time.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/DateTime.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

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

/// The markdown download built the whole day at once before it streamed
/// (MemoryDocument::markdown as it was), kept as the reference.
std::string markdownAsBuilt(const std::string& agent, const std::string& day, const std::vector<Entry>& entries)
{
	std::string doc;
	doc += "# " + agent + " \u2014 " + day + "\n";
	for (const auto& e : entries)
	{
		const std::string written = e.createdAt.substr(0, 10);
		const std::string time = e.createdAt.substr(11, 8);
		doc += "\n## ";
		if (written != day) doc += written + " ";
		doc += time + " UTC\n\n";
		doc += e.content;
		if (e.content.empty() || e.content.back() != '\n') doc += '\n';
	}
	return doc;
}

/// The JSON download as it was: a Poco tree, then Response::json.
std::string jsonAsBuilt(const std::string& agent, const std::string& day, const std::vector<Entry>& entries)
{
	Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
	for (const auto& e : entries)
	{
		auto o = Nexus::Http::Json::object();
		o->set("id", e.id);
		o->set("created_at", Nexus::Time::sqlToRfc3339(e.createdAt));
		o->set("bytes", e.bytes);
		o->set("content", e.content);
		array->add(o);
	}
	auto o = Nexus::Http::Json::object();
	o->set("agent", agent);
	o->set("date", day);
	o->set("entries", array);
	return Nexus::Http::Response::json(200, *o).body();
}

/// count entries of varied content: multi-line, UTF-8, quotes, backslashes,
/// control characters, CRLF, with and without a final newline, one
/// collected on another day.
std::vector<Entry> manyEntries(int count)
{
	const std::vector<std::string> kinds = {
	    "plain note",
	    "two\nlines\n",
	    "quote \" and backslash \\ and slash / and tab \t",
	    "control \x01\x02\x1f and DEL \x7f",
	    "CRLF\r\nline\r\n",
	    "UTF-8: caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\xA7\xA0 \xE2\x80\xA8 separator",
	    "```sh\nssh host.lan uptime\n```\n",
	    "<script>alert('x')</script>",
	    "## 12:00:00 UTC\n\nfake heading",
	};
	std::vector<Entry> entries;
	for (int i = 0; i < count; ++i)
	{
		char at[32];
		std::snprintf(at, sizeof at, "2026-07-0%d %02d:%02d:%02d.%03d", i == count / 2 ? 2 : 1, (i / 3600) % 24,
		              (i / 60) % 60, i % 60, i % 1000);
		entries.push_back(
		    entry(3 * static_cast<std::uint64_t>(i) + 1, at,
		          "Entry " + std::to_string(i) + ": " + kinds[static_cast<std::size_t>(i) % kinds.size()]));
	}
	return entries;
}

/// What Writer gives when fed entries in chunks of chunkSize.
std::string streamed(MemoryDocument::Format format, const std::vector<Entry>& entries, std::size_t chunkSize)
{
	MemoryDocument::Writer writer(format, "addy", "2026-07-01");
	std::string out = writer.begin();
	for (std::size_t i = 0; i < entries.size(); i += chunkSize)
	{
		const auto end = entries.begin() + static_cast<std::ptrdiff_t>(std::min(entries.size(), i + chunkSize));
		out += writer.entries(std::vector<Entry>(entries.begin() + static_cast<std::ptrdiff_t>(i), end));
	}
	return out + writer.end();
}

} // namespace

class MemoriesTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MemoriesTest);
	CPPUNIT_TEST(testMarkdown);
	CPPUNIT_TEST(testMarkdownKeepsContentVerbatim);
	CPPUNIT_TEST(testMarkdownEntryFromAnotherDay);
	CPPUNIT_TEST(testFileName);
	CPPUNIT_TEST(testStreamedMarkdownIsTheBuiltDocument);
	CPPUNIT_TEST(testStreamedJsonIsTheBuiltDocument);
	CPPUNIT_TEST(testStreamedJsonParsesInOrder);
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

	void testStreamedMarkdownIsTheBuiltDocument()
	{
		const auto entries = manyEntries(2000);
		const std::string built = markdownAsBuilt("addy", "2026-07-01", entries);
		for (std::size_t chunk : {std::size_t(1), std::size_t(7), std::size_t(100), std::size_t(2000)})
			CPPUNIT_ASSERT(built == streamed(MemoryDocument::Format::Markdown, entries, chunk));
		CPPUNIT_ASSERT(contains(built, "\n## 2026-07-02 "));
		CPPUNIT_ASSERT(built == MemoryDocument::markdown("addy", "2026-07-01", entries));
	}

	void testStreamedJsonIsTheBuiltDocument()
	{
		const auto entries = manyEntries(2000);
		const std::string built = jsonAsBuilt("addy", "2026-07-01", entries);
		for (std::size_t chunk : {std::size_t(1), std::size_t(7), std::size_t(100), std::size_t(2000)})
			CPPUNIT_ASSERT(built == streamed(MemoryDocument::Format::Json, entries, chunk));
		// One entry too (no comma), and a day's name that needs no escaping but is quoted.
		CPPUNIT_ASSERT_EQUAL(jsonAsBuilt("addy", "2026-07-01", {entries[3]}),
		                     streamed(MemoryDocument::Format::Json, {entries[3]}, 100));
	}

	void testStreamedJsonParsesInOrder()
	{
		const auto entries = manyEntries(2000);
		Poco::JSON::Parser parser;
		const auto doc =
		    parser.parse(streamed(MemoryDocument::Format::Json, entries, 100)).extract<Poco::JSON::Object::Ptr>();
		CPPUNIT_ASSERT_EQUAL(std::string("addy"), doc->getValue<std::string>("agent"));
		const auto array = doc->getArray("entries");
		CPPUNIT_ASSERT_EQUAL(entries.size(), array->size());
		for (std::size_t i = 0; i < entries.size(); ++i)
		{
			const auto o = array->getObject(static_cast<unsigned>(i));
			CPPUNIT_ASSERT_EQUAL(entries[i].id, o->getValue<std::uint64_t>("id"));
			CPPUNIT_ASSERT(entries[i].content == o->getValue<std::string>("content"));
		}
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
