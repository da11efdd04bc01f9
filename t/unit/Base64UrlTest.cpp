// Base64Url: RFC 4648 section 5 without padding.
#include "util/Base64Url.h"

#include <cppunit/extensions/HelperMacros.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

using Nexus::Base64Url;

namespace {

/// RFC 4648 section 10 test vectors, padding removed.
const std::vector<std::pair<std::string, std::string>> kVectors = {
	{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

} // namespace

class Base64UrlTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(Base64UrlTest);
	CPPUNIT_TEST(testEncodeVectors);
	CPPUNIT_TEST(testDecodeVectors);
	CPPUNIT_TEST(testUrlAlphabet);
	CPPUNIT_TEST(testRoundTripAllBytes);
	CPPUNIT_TEST(testRoundTripEveryLength);
	CPPUNIT_TEST(testInvalidCharacters);
	CPPUNIT_TEST(testImpossibleLength);
	CPPUNIT_TEST_SUITE_END();

public:
	void testEncodeVectors()
	{
		for (const auto& v : kVectors) CPPUNIT_ASSERT_EQUAL_MESSAGE(v.first, v.second, Base64Url::encode(v.first));
	}

	void testDecodeVectors()
	{
		for (const auto& v : kVectors)
		{
			const auto decoded = Base64Url::decode(v.second);
			CPPUNIT_ASSERT_MESSAGE(v.second, decoded.has_value());
			CPPUNIT_ASSERT_EQUAL_MESSAGE(v.second, v.first, *decoded);
		}
	}

	void testUrlAlphabet()
	{
		// 0xFB 0xFF 0xBF is "+/+/" in standard base64.
		CPPUNIT_ASSERT_EQUAL(std::string("-_-_"), Base64Url::encode("\xFB\xFF\xBF"));
		CPPUNIT_ASSERT_EQUAL(std::string("\xFB\xFF\xBF"), Base64Url::decode("-_-_").value());
		CPPUNIT_ASSERT_EQUAL(std::string("AAAA"), Base64Url::encode(std::string(3, '\0')));
	}

	void testRoundTripAllBytes()
	{
		std::string all;
		for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
		const std::string encoded = Base64Url::encode(all);
		CPPUNIT_ASSERT_EQUAL(std::size_t(342), encoded.size()); // ceil(256 * 4 / 3), no padding
		CPPUNIT_ASSERT_EQUAL(all, Base64Url::decode(encoded).value());
	}

	void testRoundTripEveryLength()
	{
		std::string data;
		for (int n = 0; n < 70; ++n)
		{
			const std::string encoded = Base64Url::encode(data);
			CPPUNIT_ASSERT(encoded.size() % 4 != 1);
			CPPUNIT_ASSERT(encoded.find('=') == std::string::npos);
			CPPUNIT_ASSERT_EQUAL(data, Base64Url::decode(encoded).value());
			data.push_back(static_cast<char>(n * 37 + 200));
		}
	}

	void testInvalidCharacters()
	{
		for (const char* text : {"Zg==", "Zm9v+g", "Zm9v/g", "Zm 9", "Zm9\n", "Zm.v", "Zm9v!A", "\xC3\xA9" "AA"})
			CPPUNIT_ASSERT_MESSAGE(text, !Base64Url::decode(text));
		CPPUNIT_ASSERT(!Base64Url::decode(std::string("Zm\0v", 4)));
	}

	void testImpossibleLength()
	{
		for (const char* text : {"A", "Z", "Zm9vY", "Zm9vYmFyZ"}) CPPUNIT_ASSERT_MESSAGE(text, !Base64Url::decode(text));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(Base64UrlTest);
