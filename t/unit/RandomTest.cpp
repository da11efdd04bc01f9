// Random: unguessable values (tokens, a login's state and nonce) as URL-safe text.
#include "util/Random.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <string>

using Nexus::Random;

class RandomTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RandomTest);
	CPPUNIT_TEST(testDefaultIs32BytesAs43Characters);
	CPPUNIT_TEST(testOnlyUrlSafeCharacters);
	CPPUNIT_TEST(testLengthFollowsTheBytes);
	CPPUNIT_TEST(testValuesDiffer);
	CPPUNIT_TEST_SUITE_END();

public:
	void testDefaultIs32BytesAs43Characters() { CPPUNIT_ASSERT_EQUAL(std::size_t(43), Random::urlSafe().size()); }

	void testOnlyUrlSafeCharacters()
	{
		for (int i = 0; i < 20; ++i)
			for (char c : Random::urlSafe())
				CPPUNIT_ASSERT((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
				               c == '_');
	}

	void testLengthFollowsTheBytes()
	{
		CPPUNIT_ASSERT_EQUAL(std::string(), Random::urlSafe(0));
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), Random::urlSafe(1).size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(16), Random::urlSafe(12).size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(22), Random::urlSafe(16).size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(86), Random::urlSafe(64).size());
	}

	void testValuesDiffer()
	{
		std::set<std::string> seen;
		for (int i = 0; i < 100; ++i) seen.insert(Random::urlSafe());
		CPPUNIT_ASSERT_EQUAL(std::size_t(100), seen.size());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(RandomTest);
