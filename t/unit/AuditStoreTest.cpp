// AuditStore's column fitting (no database): what an audit row may hold.
#include "audit/AuditStore.h"
#include "http/Json.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Audit::AuditStore;
using Nexus::Http::Json::utf8Length;

namespace {
const std::string kReplacement = "\xEF\xBF\xBD"; // U+FFFD
const std::string kEllipsis = "\xE2\x80\xA6";    // U+2026
} // namespace

class AuditStoreTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(AuditStoreTest);
	CPPUNIT_TEST(testFitTextKeepsValidText);
	CPPUNIT_TEST(testFitTextCutsAtCharacterBoundaries);
	CPPUNIT_TEST(testFitTextReplacesInvalidUtf8);
	CPPUNIT_TEST(testFitTextReplacesControlCharacters);
	CPPUNIT_TEST(testFitAscii);
	CPPUNIT_TEST_SUITE_END();

public:
	void testFitTextKeepsValidText()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("agent:addy"), AuditStore::fitText("agent:addy", 255));
		const std::string mixed = "secret:caf\xC3\xA9/\xE2\x82\xAC/\xF0\x9F\x94\x91"; // é € and a 4-byte key emoji
		CPPUNIT_ASSERT_EQUAL(mixed, AuditStore::fitText(mixed, 255));
		CPPUNIT_ASSERT_EQUAL(std::string(""), AuditStore::fitText("", 255));
		const std::string exact(255, 'x');
		CPPUNIT_ASSERT_EQUAL(exact, AuditStore::fitText(exact, 255));
	}

	void testFitTextCutsAtCharacterBoundaries()
	{
		CPPUNIT_ASSERT_EQUAL(std::string(254, 'x') + kEllipsis, AuditStore::fitText(std::string(300, 'x'), 255));
		// 300 two-byte characters: the cut never splits one.
		std::string wide;
		for (int i = 0; i < 300; ++i) wide += "\xC3\xA9";
		const std::string fitted = AuditStore::fitText(wide, 255);
		CPPUNIT_ASSERT_EQUAL(std::size_t(255), utf8Length(fitted).value_or(0));
		CPPUNIT_ASSERT_EQUAL(std::size_t(254 * 2 + 3), fitted.size());
		// Four-byte characters.
		std::string keys;
		for (int i = 0; i < 10; ++i) keys += "\xF0\x9F\x94\x91";
		CPPUNIT_ASSERT_EQUAL(keys.substr(0, std::size_t{4} * 4) + kEllipsis, AuditStore::fitText(keys, 5));
	}

	void testFitTextReplacesInvalidUtf8()
	{
		CPPUNIT_ASSERT_EQUAL("a" + kReplacement + "b", AuditStore::fitText("a\xFF"
		                                                                   "b",
		                                                                   255));
		// A truncated sequence, an overlong encoding, a surrogate, beyond U+10FFFF.
		CPPUNIT_ASSERT_EQUAL("a" + kReplacement, AuditStore::fitText("a\xE2\x82", 255).substr(0, 4));
		CPPUNIT_ASSERT(utf8Length(AuditStore::fitText("a\xE2\x82", 255)));
		CPPUNIT_ASSERT(utf8Length(AuditStore::fitText("\xC0\xAF", 255)));
		CPPUNIT_ASSERT_EQUAL(kReplacement + kReplacement, AuditStore::fitText("\xC0\xAF", 255));
		CPPUNIT_ASSERT(utf8Length(AuditStore::fitText("\xED\xA0\x80", 255)));
		CPPUNIT_ASSERT(utf8Length(AuditStore::fitText("\xF4\x90\x80\x80", 255)));
	}

	void testFitTextReplacesControlCharacters()
	{
		CPPUNIT_ASSERT_EQUAL("a" + kReplacement + "b" + kReplacement + "c",
		                     AuditStore::fitText(std::string("a\nb") + '\0' + "c", 255));
		CPPUNIT_ASSERT_EQUAL("a" + kReplacement, AuditStore::fitText("a\x7F", 255));
		CPPUNIT_ASSERT_EQUAL("a" + kReplacement, AuditStore::fitText("a\xC2\x85", 255)); // C1 NEL
	}

	void testFitAscii()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), AuditStore::fitAscii("127.0.0.1", 64));
		CPPUNIT_ASSERT_EQUAL(std::string("a??b?"), AuditStore::fitAscii("a\xC3\xA9"
		                                                                "b\n",
		                                                                64));
		CPPUNIT_ASSERT_EQUAL(std::string(64, 'r'), AuditStore::fitAscii(std::string(100, 'r'), 64));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuditStoreTest);
