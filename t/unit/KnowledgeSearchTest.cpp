// The statement of a knowledge list or search: its text depends only on its
// shape (search or not, an indexed word or not, a cursor for a list), never
// on how many words, short words or kinds it has (issue 15 #1: every text is
// a prepared statement on every connection).
#include "knowledge/KnowledgeStore.h"

#include "TestSupport.h"
#include "http/HttpError.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <string>
#include <vector>

using Nexus::Db::FullTextQuery;
using Nexus::Knowledge::KnowledgeStore;

namespace {

KnowledgeStore::Filter filter(const std::string& query, const std::vector<std::string>& kinds = {})
{
	KnowledgeStore::Filter f;
	f.kinds = kinds;
	if (!query.empty()) f.search = FullTextQuery::parse(query, 200, KnowledgeStore::kMaxSearchWords);
	return f;
}

std::size_t placeholders(const std::string& text)
{
	std::size_t n = 0;
	for (char c : text) n += c == '?';
	return n;
}

} // namespace

class KnowledgeSearchTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(KnowledgeSearchTest);
	CPPUNIT_TEST(testFewTexts);
	CPPUNIT_TEST(testParametersFillTheSlots);
	CPPUNIT_TEST(testShortWordsOnlyLookAtNames);
	CPPUNIT_TEST(testBadCursor);
	CPPUNIT_TEST_SUITE_END();

public:
	void testFewTexts()
	{
		const std::vector<std::string> queries = {
		    "ollama",
		    "ollama gpu",
		    "ai",
		    "ai ml os",
		    "the",
		    "ollama ai",
		    "a b c d e f g h i j k l",
		    "render pipeline asset studio backup archive texture shader lighting camera compositing timeline",
		    "zq-edge",
		    "café データ",
		    "ollama ai the of gpu"};
		const std::vector<std::vector<std::string>> kinds = {{}, {"server"}, {"server", "agent", "project"}};
		std::set<std::string> texts;
		for (const auto& q : queries)
			for (const auto& k : kinds)
			{
				texts.insert(KnowledgeStore::statementOf(filter(q, k), "").text);
				texts.insert(KnowledgeStore::statementOf(filter(q, k), "s\n12.5\nserver\nbox").text);
			}
		// With an indexed word or without one.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), texts.size());
		std::set<std::string> lists;
		for (const auto& k : kinds)
		{
			lists.insert(KnowledgeStore::statementOf(filter("", k), "").text);
			lists.insert(KnowledgeStore::statementOf(filter("", k), "k\nserver\nbox").text);
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), lists.size());
	}

	void testParametersFillTheSlots()
	{
		for (const auto& q : {"ollama", "ollama gpu ai", "ai"})
		{
			const auto st = KnowledgeStore::statementOf(filter(q, {"server"}), "");
			CPPUNIT_ASSERT_EQUAL(placeholders(st.text), st.params.size() + 1); // + the limit
			CPPUNIT_ASSERT(st.scored);
		}
		// The kind slots: the kinds asked for, then NULL.
		const auto st = KnowledgeStore::statementOf(filter("", {"agent", "server"}), "");
		CPPUNIT_ASSERT_EQUAL(std::size_t(5), st.params.size());
		CPPUNIT_ASSERT_EQUAL(std::string("agent"), *st.params[0]);
		CPPUNIT_ASSERT_EQUAL(std::string("server"), *st.params[1]);
		CPPUNIT_ASSERT(!st.params[2] && !st.params[4]);
		CPPUNIT_ASSERT(!st.scored);
	}

	void testShortWordsOnlyLookAtNames()
	{
		const auto shortOnly = KnowledgeStore::statementOf(filter("ai ml"), "").text;
		CPPUNIT_ASSERT(NexusTest::contains(shortOnly, "k.name LIKE ?"));
		CPPUNIT_ASSERT(!NexusTest::contains(shortOnly, "MATCH"));
		const auto indexed = KnowledgeStore::statementOf(filter("ai ollama"), "").text;
		CPPUNIT_ASSERT(NexusTest::contains(indexed, "MATCH(k.title, k.content, k.search_text)"));
		CPPUNIT_ASSERT(!NexusTest::contains(indexed, "k.name LIKE ?"));
	}

	void testBadCursor()
	{
		CPPUNIT_ASSERT_THROW(KnowledgeStore::statementOf(filter("ollama"), "k\nserver\nbox"), Nexus::Http::BadRequest);
		CPPUNIT_ASSERT_THROW(KnowledgeStore::statementOf(filter(""), "s\n1\nserver\nbox"), Nexus::Http::BadRequest);
		CPPUNIT_ASSERT_THROW(KnowledgeStore::statementOf(filter("ollama"), "s\nx\nserver\nbox"),
		                     Nexus::Http::BadRequest);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(KnowledgeSearchTest);
