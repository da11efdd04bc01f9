// ReturnTo: where a browser goes back to after signing in is a path on this
// site, never another host (no open redirect) and never a header break.
#include "sso/ReturnTo.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Sso::ReturnTo;

class ReturnToTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ReturnToTest);
	CPPUNIT_TEST(testSameSitePathsAreKept);
	CPPUNIT_TEST(testOtherHostsAreRefused);
	CPPUNIT_TEST(testControlCharactersAndBackslashesAreRefused);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSameSitePathsAreKept()
	{
		for (const char* path : {"/", "/api/secrets", "/api/secrets?profile=Dev%20Fast&x=1", "/a/b#c", "/api/x:y"})
			CPPUNIT_ASSERT_EQUAL_MESSAGE(path, std::string(path), ReturnTo::check(path).value_or("(refused)"));
	}

	void testOtherHostsAreRefused()
	{
		for (const char* path : {"//evil.example", "//evil.example/x", "https://evil.example/", "evil", "",
		                         "javascript:alert(1)", "/\\evil.example", "\\\\evil"})
			CPPUNIT_ASSERT_MESSAGE(path, !ReturnTo::check(path));
		CPPUNIT_ASSERT(!ReturnTo::check("/" + std::string(ReturnTo::kMaxLength, 'a')));
	}

	void testControlCharactersAndBackslashesAreRefused()
	{
		for (const std::string& path :
		     {std::string("/a\r\nSet-Cookie: x=1"), std::string("/a\tb"), std::string("/a b"), std::string("/a\\b"),
		      std::string("/a\x7f"), std::string("/caf\xc3\xa9"), std::string("/a\0b", 4)})
			CPPUNIT_ASSERT(!ReturnTo::check(path));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(ReturnToTest);
