// Base64: RFC 4648 section 4 (standard alphabet, padded, canonical only) and
// section 5 (URL alphabet, without padding).
#include "util/Base64.h"

#include <cppunit/extensions/HelperMacros.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

using Nexus::Base64;

namespace {

/// RFC 4648 section 10 test vectors.
const std::vector<std::pair<std::string, std::string>> kStandardVectors = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

/// The same, padding removed.
const std::vector<std::pair<std::string, std::string>> kUrlVectors = {
    {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
    {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
};

std::string allBytes()
{
	std::string all;
	for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
	return all;
}

} // namespace

class Base64Test : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(Base64Test);
	CPPUNIT_TEST(testUrlEncodeVectors);
	CPPUNIT_TEST(testUrlDecodeVectors);
	CPPUNIT_TEST(testUrlAlphabet);
	CPPUNIT_TEST(testUrlRoundTripAllBytes);
	CPPUNIT_TEST(testUrlRoundTripEveryLength);
	CPPUNIT_TEST(testUrlInvalidCharacters);
	CPPUNIT_TEST(testUrlImpossibleLength);
	CPPUNIT_TEST(testUrlIgnoresUnusedBits);
	CPPUNIT_TEST(testStandardEncodeVectors);
	CPPUNIT_TEST(testStandardDecodeVectors);
	CPPUNIT_TEST(testStandardAlphabet);
	CPPUNIT_TEST(testStandardRoundTripAllBytes);
	CPPUNIT_TEST(testStandardRoundTripEveryLength);
	CPPUNIT_TEST(testStandardRequiresPadding);
	CPPUNIT_TEST(testStandardPaddingOnlyAtTheEnd);
	CPPUNIT_TEST(testStandardInvalidCharacters);
	CPPUNIT_TEST(testStandardRefusesNonCanonicalText);
	CPPUNIT_TEST(testAppendEncodedKeepsWhatOutHolds);
	CPPUNIT_TEST(testDecodeIntoReplacesOut);
	CPPUNIT_TEST(testDecodeIntoReservesTheLongestResult);
	CPPUNIT_TEST_SUITE_END();

public:
	void testUrlEncodeVectors()
	{
		for (const auto& v : kUrlVectors)
			CPPUNIT_ASSERT_EQUAL_MESSAGE(v.first, v.second, Base64::encode(v.first, Base64::kUrl));
	}

	void testUrlDecodeVectors()
	{
		for (const auto& v : kUrlVectors)
		{
			const auto decoded = Base64::decode(v.second, Base64::kUrl);
			CPPUNIT_ASSERT_MESSAGE(v.second, decoded.has_value());
			CPPUNIT_ASSERT_EQUAL_MESSAGE(v.second, v.first, *decoded);
		}
	}

	void testUrlAlphabet()
	{
		// 0xFB 0xFF 0xBF is "+/+/" in standard base64.
		CPPUNIT_ASSERT_EQUAL(std::string("-_-_"), Base64::encode("\xFB\xFF\xBF", Base64::kUrl));
		CPPUNIT_ASSERT_EQUAL(std::string("\xFB\xFF\xBF"), Base64::decode("-_-_", Base64::kUrl).value());
		CPPUNIT_ASSERT_EQUAL(std::string("AAAA"), Base64::encode(std::string(3, '\0'), Base64::kUrl));
	}

	void testUrlRoundTripAllBytes()
	{
		const std::string all = allBytes();
		const std::string encoded = Base64::encode(all, Base64::kUrl);
		CPPUNIT_ASSERT_EQUAL(std::size_t(342), encoded.size()); // ceil(256 * 4 / 3), no padding
		CPPUNIT_ASSERT_EQUAL(all, Base64::decode(encoded, Base64::kUrl).value());
	}

	void testUrlRoundTripEveryLength()
	{
		std::string data;
		for (int n = 0; n < 70; ++n)
		{
			const std::string encoded = Base64::encode(data, Base64::kUrl);
			CPPUNIT_ASSERT(encoded.size() % 4 != 1);
			CPPUNIT_ASSERT(encoded.find('=') == std::string::npos);
			CPPUNIT_ASSERT_EQUAL(data, Base64::decode(encoded, Base64::kUrl).value());
			data.push_back(static_cast<char>(n * 37 + 200));
		}
	}

	void testUrlInvalidCharacters()
	{
		for (const char* text : {"Zg==", "Zm9v+g", "Zm9v/g", "Zm 9", "Zm9\n", "Zm.v", "Zm9v!A", "\303\251AA"})
			CPPUNIT_ASSERT_MESSAGE(text, !Base64::decode(text, Base64::kUrl));
		CPPUNIT_ASSERT(!Base64::decode(std::string("Zm\0v", 4), Base64::kUrl));
	}

	void testUrlImpossibleLength()
	{
		for (const char* text : {"A", "Z", "Zm9vY", "Zm9vYmFyZ"})
			CPPUNIT_ASSERT_MESSAGE(text, !Base64::decode(text, Base64::kUrl));
	}

	void testUrlIgnoresUnusedBits()
	{
		// "Zh" and "Zm9=" differ from "Zg" and "Zm8" only in bits that encode nothing.
		CPPUNIT_ASSERT_EQUAL(std::string("f"), Base64::decode("Zh", Base64::kUrl).value());
		CPPUNIT_ASSERT_EQUAL(std::string("fo"), Base64::decode("Zm9", Base64::kUrl).value());
	}

	void testStandardEncodeVectors()
	{
		for (const auto& v : kStandardVectors)
			CPPUNIT_ASSERT_EQUAL_MESSAGE(v.first, v.second, Base64::encode(v.first, Base64::kStandard));
	}

	void testStandardDecodeVectors()
	{
		for (const auto& v : kStandardVectors)
		{
			const auto decoded = Base64::decode(v.second, Base64::kStandard);
			CPPUNIT_ASSERT_MESSAGE(v.second, decoded.has_value());
			CPPUNIT_ASSERT_EQUAL_MESSAGE(v.second, v.first, *decoded);
		}
	}

	void testStandardAlphabet()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("+/+/"), Base64::encode("\xFB\xFF\xBF", Base64::kStandard));
		CPPUNIT_ASSERT_EQUAL(std::string("\xFB\xFF\xBF"), Base64::decode("+/+/", Base64::kStandard).value());
		CPPUNIT_ASSERT(!Base64::decode("-_-_", Base64::kStandard));
	}

	void testStandardRoundTripAllBytes()
	{
		const std::string all = allBytes();
		const std::string encoded = Base64::encode(all, Base64::kStandard);
		CPPUNIT_ASSERT_EQUAL(std::size_t(344), encoded.size()); // 86 groups of 4, the last padded
		CPPUNIT_ASSERT_EQUAL(std::string("/w=="), encoded.substr(340));
		CPPUNIT_ASSERT_EQUAL(all, Base64::decode(encoded, Base64::kStandard).value());
	}

	void testStandardRoundTripEveryLength()
	{
		std::string data;
		for (int n = 0; n < 70; ++n)
		{
			const std::string encoded = Base64::encode(data, Base64::kStandard);
			CPPUNIT_ASSERT_EQUAL(std::size_t(0), encoded.size() % 4);
			CPPUNIT_ASSERT_EQUAL((3 - data.size() % 3) % 3, encoded.size() - encoded.find_last_not_of('=') - 1);
			CPPUNIT_ASSERT_EQUAL(data, Base64::decode(encoded, Base64::kStandard).value());
			data.push_back(static_cast<char>(n * 37 + 200));
		}
	}

	void testStandardRequiresPadding()
	{
		for (const char* text : {"Zg", "Zg=", "Zm8", "Zm9vYg", "Zm9vYmE", "A", "Zm9vY"})
			CPPUNIT_ASSERT_MESSAGE(text, !Base64::decode(text, Base64::kStandard));
	}

	void testStandardPaddingOnlyAtTheEnd()
	{
		for (const char* text : {"====", "Z===", "Zg==Zg==", "Zm=v", "=m9v", "Zg==="})
			CPPUNIT_ASSERT_MESSAGE(text, !Base64::decode(text, Base64::kStandard));
	}

	void testStandardInvalidCharacters()
	{
		for (const char* text : {"Zm9v-g==", "Zm9v_g==", "Zm 9", "Zm9\n", "Zm.v", "Zm9v\r\n", "\303\251AA"})
			CPPUNIT_ASSERT_MESSAGE(text, !Base64::decode(text, Base64::kStandard));
		CPPUNIT_ASSERT(!Base64::decode(std::string("Zm\0v", 4), Base64::kStandard));
	}

	void testStandardRefusesNonCanonicalText()
	{
		// Unused bits set in the character before the padding: each would decode as "f" or "fo".
		for (const char* text : {"Zh==", "Zv==", "Zm9=", "Zm9vYh==", "Zm9vYmF="})
			CPPUNIT_ASSERT_MESSAGE(text, !Base64::decode(text, Base64::kStandard));
	}

	void testAppendEncodedKeepsWhatOutHolds()
	{
		std::string out = "key.1 = ";
		Base64::appendEncoded("fo", Base64::kStandard, out);
		Base64::appendEncoded("fo", Base64::kUrl, out);
		CPPUNIT_ASSERT_EQUAL(std::string("key.1 = Zm8=Zm8"), out);
	}

	void testDecodeIntoReplacesOut()
	{
		std::string out = "earlier bytes";
		CPPUNIT_ASSERT(Base64::decodeInto("Zm9vYmE=", Base64::kStandard, out));
		CPPUNIT_ASSERT_EQUAL(std::string("fooba"), out);
		CPPUNIT_ASSERT(Base64::decodeInto("Zm9vYmE", Base64::kUrl, out));
		CPPUNIT_ASSERT_EQUAL(std::string("fooba"), out);
		CPPUNIT_ASSERT(!Base64::decodeInto("Zm9vYmE", Base64::kStandard, out));
		CPPUNIT_ASSERT(Base64::decodeInto("", Base64::kStandard, out));
		CPPUNIT_ASSERT_EQUAL(std::string(), out);
	}

	void testDecodeIntoReservesTheLongestResult()
	{
		// A 32-byte key, as the keyring stores it: its bytes go into one buffer, never a grown copy.
		const std::string key(32, '\x5A');
		const std::string text = Base64::encode(key, Base64::kStandard);
		std::string out;
		CPPUNIT_ASSERT(Base64::decodeInto(text, Base64::kStandard, out));
		CPPUNIT_ASSERT_EQUAL(key, out);
		CPPUNIT_ASSERT(out.capacity() >= text.size() / 4 * 3);
		std::string url;
		CPPUNIT_ASSERT(Base64::decodeInto(Base64::encode(key, Base64::kUrl), Base64::kUrl, url));
		CPPUNIT_ASSERT_EQUAL(key, url);
		CPPUNIT_ASSERT(url.capacity() >= 32);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(Base64Test);
