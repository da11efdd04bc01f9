// Token: agent token format, SHA-256, hash syntax and constant-time comparison.
#include "auth/Token.h"
#include "util/Base64.h"
#include "util/Hex.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <string>

using Nexus::Digest;
using Nexus::Auth::Token;

using NexusTest::isBase64UrlAlphabet;

class TokenTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(TokenTest);
	CPPUNIT_TEST(testAgentTokenFormat);
	CPPUNIT_TEST(testAgentTokenCarries256Bits);
	CPPUNIT_TEST(testAgentTokensDiffer);
	CPPUNIT_TEST(testSha256Vectors);
	CPPUNIT_TEST(testSha256Binary);
	CPPUNIT_TEST(testHmacSha256Vectors);
	CPPUNIT_TEST(testIsHash);
	CPPUNIT_TEST(testConstantTimeEquals);
	CPPUNIT_TEST_SUITE_END();

public:
	void testAgentTokenFormat()
	{
		const std::string token = Token::generateAgentToken();
		CPPUNIT_ASSERT_EQUAL(std::string("nxa_"), std::string(Token::kAgentPrefix));
		CPPUNIT_ASSERT_EQUAL(std::string("nxa_"), token.substr(0, 4));
		CPPUNIT_ASSERT_EQUAL(std::size_t(47), token.size());
		CPPUNIT_ASSERT_MESSAGE(token, isBase64UrlAlphabet(token.substr(4)));
	}

	void testAgentTokenCarries256Bits()
	{
		const auto raw = Nexus::Base64::decode(Token::generateAgentToken().substr(4), Nexus::Base64::kUrl);
		CPPUNIT_ASSERT(raw);
		CPPUNIT_ASSERT_EQUAL(std::size_t(32), raw->size());
	}

	void testAgentTokensDiffer()
	{
		std::set<std::string> seen;
		for (int i = 0; i < 100; ++i) seen.insert(Token::generateAgentToken());
		CPPUNIT_ASSERT_EQUAL(std::size_t(100), seen.size());
	}

	void testSha256Vectors()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
		                     Digest::sha256Hex(""));
		CPPUNIT_ASSERT_EQUAL(std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
		                     Digest::sha256Hex("abc"));
		CPPUNIT_ASSERT_EQUAL(std::string("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
		                     Digest::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
		CPPUNIT_ASSERT_EQUAL(std::string("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
		                     Digest::sha256Hex(std::string(1000000, 'a')));
	}

	void testSha256Binary()
	{
		const std::string withNul("a\0b", 3);
		CPPUNIT_ASSERT(Digest::sha256Hex(withNul) != Digest::sha256Hex("a"));
		CPPUNIT_ASSERT(Token::isHash(Digest::sha256Hex(withNul)));
	}

	// RFC 4231 test cases 1, 2 and 6 (a key longer than the block is hashed first).
	void testHmacSha256Vectors()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
		                     Digest::hmacSha256Hex(std::string(20, '\x0b'), "Hi There"));
		CPPUNIT_ASSERT_EQUAL(std::string("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
		                     Digest::hmacSha256Hex("Jefe", "what do ya want for nothing?"));
		CPPUNIT_ASSERT_EQUAL(
		    std::string("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
		    Digest::hmacSha256Hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"));
		CPPUNIT_ASSERT_EQUAL(std::size_t{32}, Digest::hmacSha256("k", "m").size());
	}

	void testIsHash()
	{
		CPPUNIT_ASSERT(Token::isHash(Digest::sha256Hex("x")));
		CPPUNIT_ASSERT(Token::isHash(std::string(64, '0')));
		CPPUNIT_ASSERT(Token::isHash("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
		CPPUNIT_ASSERT(!Token::isHash(""));
		CPPUNIT_ASSERT(!Token::isHash(std::string(63, 'a')));
		CPPUNIT_ASSERT(!Token::isHash(std::string(65, 'a')));
		CPPUNIT_ASSERT(!Token::isHash("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
		CPPUNIT_ASSERT(!Token::isHash(std::string(63, 'a') + "g"));
		CPPUNIT_ASSERT(!Token::isHash(std::string(63, 'a') + " "));
		CPPUNIT_ASSERT(!Token::isHash(Token::generateAgentToken()));
	}

	void testConstantTimeEquals()
	{
		CPPUNIT_ASSERT(Token::constantTimeEquals("", ""));
		CPPUNIT_ASSERT(Token::constantTimeEquals("abc", "abc"));
		CPPUNIT_ASSERT(!Token::constantTimeEquals("abc", "abd"));
		CPPUNIT_ASSERT(!Token::constantTimeEquals("abc", "Abc"));
		CPPUNIT_ASSERT(!Token::constantTimeEquals("abc", "abcd"));
		CPPUNIT_ASSERT(!Token::constantTimeEquals("abc", ""));
		CPPUNIT_ASSERT(!Token::constantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
		CPPUNIT_ASSERT(Token::constantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
		const std::string hash = Digest::sha256Hex("token");
		CPPUNIT_ASSERT(Token::constantTimeEquals(hash, Digest::sha256Hex("token")));
		CPPUNIT_ASSERT(!Token::constantTimeEquals(hash, Digest::sha256Hex("tokem")));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(TokenTest);
