// Document: typed access to a provider's JSON, every failure a BadResponse naming the member, never quoting the text.
#include "oidc/Document.h"
#include "oidc/Error.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Oidc::BadResponse;
using Nexus::Oidc::Document;

using NexusTest::contains;
using NexusTest::thrown;

class OidcDocumentTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OidcDocumentTest);
	CPPUNIT_TEST(testReadsTypedMembers);
	CPPUNIT_TEST(testAbsentAndNullAreTheSame);
	CPPUNIT_TEST(testRequiredStringMustBeNonEmpty);
	CPPUNIT_TEST(testWrongTypesNameTheMember);
	CPPUNIT_TEST(testObjectArrayNamesTheElement);
	CPPUNIT_TEST(testOnlyAnObjectParses);
	CPPUNIT_TEST(testDeepNestingIsRefused);
	CPPUNIT_TEST(testMessagesNeverQuoteTheText);
	CPPUNIT_TEST_SUITE_END();

public:
	void testReadsTypedMembers()
	{
		const Document d =
		    Document::parse(R"({"s":"text","a":["x","y"],"i":42,"o":[{"k":1},{"k":2}]})", "the test document");
		CPPUNIT_ASSERT_EQUAL(std::string("text"), d.string("s"));
		CPPUNIT_ASSERT_EQUAL(std::string("text"), *d.optionalString("s"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), d.optionalStringArray("a")->size());
		CPPUNIT_ASSERT_EQUAL(42LL, *d.optionalInteger("i"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), d.objectArray("o").size());
		CPPUNIT_ASSERT(d.has("s") && !d.has("missing"));
	}

	void testAbsentAndNullAreTheSame()
	{
		const Document d = Document::parse(R"({"n":null})", "the test document");
		CPPUNIT_ASSERT(!d.has("n"));
		CPPUNIT_ASSERT(!d.optionalString("n") && !d.optionalString("missing"));
		CPPUNIT_ASSERT(!d.optionalStringArray("n"));
		CPPUNIT_ASSERT(!d.optionalInteger("n"));
	}

	void testRequiredStringMustBeNonEmpty()
	{
		const Document d = Document::parse(R"({"e":""})", "the test document");
		const BadResponse e = thrown<BadResponse>([&] { d.string("e"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "the test document") && contains(e.what(), "\"e\""));
		thrown<BadResponse>([&] { d.string("missing"); }, CPPUNIT_SOURCELINE());
	}

	void testWrongTypesNameTheMember()
	{
		const Document d = Document::parse(R"({"n":7,"s":"x","f":1.5,"mixed":["a",1]})", "the test document");
		const BadResponse e = thrown<BadResponse>([&] { d.optionalString("n"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "\"n\""));
		thrown<BadResponse>([&] { d.optionalStringArray("s"); }, CPPUNIT_SOURCELINE());
		thrown<BadResponse>([&] { d.optionalStringArray("mixed"); }, CPPUNIT_SOURCELINE());
		thrown<BadResponse>([&] { d.optionalInteger("s"); }, CPPUNIT_SOURCELINE());
		thrown<BadResponse>([&] { d.optionalInteger("f"); }, CPPUNIT_SOURCELINE());
		thrown<BadResponse>([&] { d.objectArray("s"); }, CPPUNIT_SOURCELINE());
	}

	void testObjectArrayNamesTheElement()
	{
		const Document d = Document::parse(R"({"keys":[{},"x"]})", "the key set");
		const BadResponse e = thrown<BadResponse>([&] { d.objectArray("keys"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "keys[1]"));
	}

	void testOnlyAnObjectParses()
	{
		for (const char* text : {"", "[]", "\"x\"", "42", "null", "{", "{\"a\":}", "<html>"})
			thrown<BadResponse>([&] { Document::parse(text, "the test document"); }, CPPUNIT_SOURCELINE());
	}

	void testDeepNestingIsRefused()
	{
		const std::string shallow = "{\"a\":" + std::string(10, '[') + std::string(10, ']') + "}";
		Document::parse(shallow, "the test document");
		const std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
		thrown<BadResponse>([&] { Document::parse(deep, "the test document"); }, CPPUNIT_SOURCELINE());
	}

	void testMessagesNeverQuoteTheText()
	{
		const std::string secret = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0.c2ln";
		const BadResponse e = thrown<BadResponse>(
		    [&] { Document::parse("{\"id_token\":\"" + secret + "\",", "the token response"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), !contains(e.what(), secret));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(OidcDocumentTest);
