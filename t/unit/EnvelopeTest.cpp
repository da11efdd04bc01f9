// Envelope: AES-256-GCM envelope records, identity binding, tampering, rotation and rewrap.
#include "vault/Envelope.h"
#include "vault/Keyring.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <openssl/rand.h>

#include <set>
#include <string>
#include <vector>

using Nexus::Vault::DecryptError;
using Nexus::Vault::Envelope;
using Nexus::Vault::Keyring;
using Nexus::Vault::KeyringError;

using NexusTest::thrown;

namespace {

const std::size_t kOverhead = 93;         // format, key id, wrap nonce, wrapped key, wrap tag, value nonce, value tag
const std::size_t kValueNonceOffset = 65; // where the value's part of a record starts

std::string randomBytes(std::size_t n)
{
	std::string s(n, '\0');
	if (n > 0) RAND_bytes(reinterpret_cast<unsigned char*>(&s[0]), static_cast<int>(n));
	return s;
}

/// True when opening record throws DecryptError or KeyringError; false when it returns a value.
bool refused(const Keyring& keyring, const std::string& identity, const std::string& record)
{
	try
	{
		Envelope::open(keyring, identity, record);
	}
	catch (const DecryptError&)
	{
		return true;
	}
	catch (const KeyringError&)
	{
		return true;
	}
	return false;
}

} // namespace

class EnvelopeTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(EnvelopeTest);
	CPPUNIT_TEST(testRoundTrip);
	CPPUNIT_TEST(testRecordLayout);
	CPPUNIT_TEST(testSealsDiffer);
	CPPUNIT_TEST(testIdentityEncoding);
	CPPUNIT_TEST(testEveryByteFlipped);
	CPPUNIT_TEST(testOtherIdentity);
	CPPUNIT_TEST(testTruncatedOrExtended);
	CPPUNIT_TEST(testUnknownFormat);
	CPPUNIT_TEST(testSplicedRecords);
	CPPUNIT_TEST(testKeyringWithoutKeyId);
	CPPUNIT_TEST(testKeyringWithOtherKeyBytes);
	CPPUNIT_TEST(testGenericMessage);
	CPPUNIT_TEST(testRotation);
	CPPUNIT_TEST(testRewrap);
	CPPUNIT_TEST(testRewrapWithoutOldKey);
	CPPUNIT_TEST(testRewrapRefusesDamagedRecord);
	CPPUNIT_TEST(testRewrapKeepsIdentityBinding);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_keyring = Keyring::generate();
		_identity = Envelope::identity(7, "prod", "db/password", 1);
	}

	void testRoundTrip()
	{
		const std::vector<std::string> values = {
		    "",
		    "x",
		    randomBytes(std::size_t{64} * 1024),
		    std::string("\0a\0\0b\0", 6),
		    std::string(1, '\0'),
		    "p\xC3\xA4sswort \xE2\x9C\x93 \xE7\xA7\x98\xE5\xAF\x86",
		};
		for (const std::string& value : values)
		{
			const std::string record = Envelope::seal(_keyring, _identity, value);
			CPPUNIT_ASSERT(value == Envelope::open(_keyring, _identity, record));
		}
	}

	void testRecordLayout()
	{
		const std::string record = Envelope::seal(_keyring, _identity, "hello");
		CPPUNIT_ASSERT_EQUAL(kOverhead + 5, record.size());
		CPPUNIT_ASSERT_EQUAL(1, static_cast<int>(record[0]));
		CPPUNIT_ASSERT_EQUAL(std::string("\0\0\0\1", 4), record.substr(1, 4));
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), Envelope::keyId(record));
		CPPUNIT_ASSERT(record.find("hello") == std::string::npos);
		CPPUNIT_ASSERT_EQUAL(kOverhead, Envelope::seal(_keyring, _identity, "").size());
	}

	void testSealsDiffer()
	{
		const std::string a = Envelope::seal(_keyring, _identity, "same value");
		const std::string b = Envelope::seal(_keyring, _identity, "same value");
		CPPUNIT_ASSERT(a != b);
		CPPUNIT_ASSERT(a.substr(5, 12) != b.substr(5, 12));   // wrap nonce
		CPPUNIT_ASSERT(a.substr(17, 32) != b.substr(17, 32)); // wrapped data key
		CPPUNIT_ASSERT(a.substr(65, 12) != b.substr(65, 12)); // value nonce
		CPPUNIT_ASSERT(a.substr(77) != b.substr(77));         // value ciphertext and tag
		std::set<std::string> nonces;
		for (int i = 0; i < 200; ++i)
		{
			const std::string r = Envelope::seal(_keyring, _identity, "v");
			nonces.insert(r.substr(5, 12));
			nonces.insert(r.substr(65, 12));
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(400), nonces.size());
	}

	void testIdentityEncoding()
	{
		const std::string id = Envelope::identity(0x0102030405060708ULL, "ab", "c", 9);
		CPPUNIT_ASSERT_EQUAL(std::string("\1\2\3\4\5\6\7\x08"
		                                 "\0\0\0\2ab"
		                                 "\0\0\0\1c"
		                                 "\0\0\0\x09",
		                                 8 + 6 + 5 + 4),
		                     id);
		// Field boundaries cannot shift.
		CPPUNIT_ASSERT(Envelope::identity(1, "ab", "c", 1) != Envelope::identity(1, "a", "bc", 1));
		CPPUNIT_ASSERT(Envelope::identity(1, "", "ab", 1) != Envelope::identity(1, "ab", "", 1));
		CPPUNIT_ASSERT(Envelope::identity(1, "a", "b", 2) != Envelope::identity(2, "a", "b", 1));
		CPPUNIT_ASSERT(Envelope::identity(256, "a", "b", 1) != Envelope::identity(1, "a", "b", 256));
	}

	void testEveryByteFlipped()
	{
		const std::string record = Envelope::seal(_keyring, _identity, "secret");
		for (std::size_t i = 0; i < record.size(); ++i)
		{
			for (unsigned char mask : {0x01, 0x80, 0xFF})
			{
				std::string tampered = record;
				tampered[i] = static_cast<char>(tampered[i] ^ mask);
				CPPUNIT_ASSERT_MESSAGE("byte " + std::to_string(i), refused(_keyring, _identity, tampered));
			}
		}
		CPPUNIT_ASSERT_EQUAL(std::string("secret"), Envelope::open(_keyring, _identity, record));
	}

	void testOtherIdentity()
	{
		const std::string record = Envelope::seal(_keyring, _identity, "secret");
		CPPUNIT_ASSERT(refused(_keyring, Envelope::identity(8, "prod", "db/password", 1), record));
		CPPUNIT_ASSERT(refused(_keyring, Envelope::identity(7, "staging", "db/password", 1), record));
		CPPUNIT_ASSERT(refused(_keyring, Envelope::identity(7, "prod", "db/user", 1), record));
		CPPUNIT_ASSERT(refused(_keyring, Envelope::identity(7, "prod", "db/password", 2), record));
		CPPUNIT_ASSERT(refused(_keyring, Envelope::identity(7, "prodd", "b/password", 1), record));
		CPPUNIT_ASSERT(refused(_keyring, "", record));
		thrown<DecryptError>([&] { Envelope::open(_keyring, Envelope::identity(8, "prod", "db/password", 1), record); },
		                     CPPUNIT_SOURCELINE());
	}

	void testTruncatedOrExtended()
	{
		const std::string record = Envelope::seal(_keyring, _identity, "secret");
		for (std::size_t n = 0; n < record.size(); ++n)
			thrown<DecryptError>([&] { Envelope::open(_keyring, _identity, record.substr(0, n)); },
			                     CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::open(_keyring, _identity, record + '\0'); }, CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::keyId(record.substr(0, kOverhead - 1)); }, CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::keyId(""); }, CPPUNIT_SOURCELINE());
	}

	void testUnknownFormat()
	{
		std::string record = Envelope::seal(_keyring, _identity, "secret");
		for (int format : {0, 2, 0xFF})
		{
			record[0] = static_cast<char>(format);
			thrown<DecryptError>([&] { Envelope::open(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
			thrown<DecryptError>([&] { Envelope::keyId(record); }, CPPUNIT_SOURCELINE());
			thrown<DecryptError>([&] { Envelope::rewrap(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
		}
	}

	void testSplicedRecords()
	{
		// The wrapped key of one record with the value of another, both of the same identity.
		const std::string a = Envelope::seal(_keyring, _identity, "value a");
		const std::string b = Envelope::seal(_keyring, _identity, "value b");
		CPPUNIT_ASSERT(refused(_keyring, _identity, a.substr(0, kValueNonceOffset) + b.substr(kValueNonceOffset)));
		// The wrapped key of another secret with this record's value.
		const std::string other = Envelope::identity(8, "prod", "db/password", 1);
		const std::string c = Envelope::seal(_keyring, other, "value c");
		CPPUNIT_ASSERT(refused(_keyring, _identity, c.substr(0, kValueNonceOffset) + a.substr(kValueNonceOffset)));
		CPPUNIT_ASSERT(refused(_keyring, other, c.substr(0, kValueNonceOffset) + a.substr(kValueNonceOffset)));
	}

	void testKeyringWithoutKeyId()
	{
		Keyring rotated = Keyring::generate();
		rotated.rotate();
		const std::string record = Envelope::seal(rotated, _identity, "secret");
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), Envelope::keyId(record));
		const KeyringError e =
		    thrown<KeyringError>([&] { Envelope::open(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(NexusTest::contains(e.what(), "2"));
		thrown<KeyringError>([&] { Envelope::rewrap(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
	}

	void testKeyringWithOtherKeyBytes()
	{
		// Same key id 1, other key bytes: the wrap's tag does not match.
		const Keyring other = Keyring::generate();
		const std::string record = Envelope::seal(_keyring, _identity, "secret");
		thrown<DecryptError>([&] { Envelope::open(other, _identity, record); }, CPPUNIT_SOURCELINE());
	}

	void testGenericMessage()
	{
		const std::string record = Envelope::seal(_keyring, _identity, "top secret value");
		std::string tampered = record;
		tampered[80] = static_cast<char>(tampered[80] ^ 1);
		const std::string a =
		    thrown<DecryptError>([&] { Envelope::open(_keyring, _identity, tampered); }, CPPUNIT_SOURCELINE()).what();
		const std::string b =
		    thrown<DecryptError>([&] { Envelope::open(_keyring, "", record); }, CPPUNIT_SOURCELINE()).what();
		const std::string c =
		    thrown<DecryptError>([&] { Envelope::open(_keyring, _identity, "x"); }, CPPUNIT_SOURCELINE()).what();
		CPPUNIT_ASSERT_EQUAL(a, b);
		CPPUNIT_ASSERT_EQUAL(a, c);
		CPPUNIT_ASSERT(!NexusTest::contains(a, "secret value"));
	}

	void testRotation()
	{
		const std::string before = Envelope::seal(_keyring, _identity, "old");
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), _keyring.rotate());
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), Envelope::keyId(before));
		CPPUNIT_ASSERT_EQUAL(std::string("old"), Envelope::open(_keyring, _identity, before));
		const std::string after = Envelope::seal(_keyring, _identity, "new");
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), Envelope::keyId(after));
		CPPUNIT_ASSERT_EQUAL(std::string("new"), Envelope::open(_keyring, _identity, after));
	}

	void testRewrap()
	{
		const std::string value = randomBytes(100);
		const std::string record = Envelope::seal(_keyring, _identity, value);
		_keyring.rotate();
		_keyring.rotate();
		const std::string rewrapped = Envelope::rewrap(_keyring, _identity, record);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(3), Envelope::keyId(rewrapped));
		CPPUNIT_ASSERT(value == Envelope::open(_keyring, _identity, rewrapped));
		CPPUNIT_ASSERT_EQUAL(record.size(), rewrapped.size());
		// The value's nonce, ciphertext and tag are untouched; the wrap is new.
		CPPUNIT_ASSERT(record.substr(kValueNonceOffset) == rewrapped.substr(kValueNonceOffset));
		CPPUNIT_ASSERT(record.substr(5, 12) != rewrapped.substr(5, 12));
		CPPUNIT_ASSERT(record.substr(17, 48) != rewrapped.substr(17, 48));
		// Rewrapping a record that is already under the active key keeps it openable.
		const std::string again = Envelope::rewrap(_keyring, _identity, rewrapped);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(3), Envelope::keyId(again));
		CPPUNIT_ASSERT(value == Envelope::open(_keyring, _identity, again));
	}

	void testRewrapWithoutOldKey()
	{
		const std::string record = Envelope::seal(_keyring, _identity, "secret");
		_keyring.rotate();
		const std::string rewrapped = Envelope::rewrap(_keyring, _identity, record);
		_keyring.remove(1);
		CPPUNIT_ASSERT(!_keyring.has(1));
		CPPUNIT_ASSERT_EQUAL(std::string("secret"), Envelope::open(_keyring, _identity, rewrapped));
		thrown<KeyringError>([&] { Envelope::open(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
	}

	void testRewrapRefusesDamagedRecord()
	{
		const std::string record = Envelope::seal(_keyring, _identity, "secret");
		_keyring.rotate();
		for (std::size_t i : {std::size_t(20), kValueNonceOffset, record.size() - 1})
		{
			std::string tampered = record;
			tampered[i] = static_cast<char>(tampered[i] ^ 1);
			thrown<DecryptError>([&] { Envelope::rewrap(_keyring, _identity, tampered); }, CPPUNIT_SOURCELINE());
		}
		thrown<DecryptError>([&] { Envelope::rewrap(_keyring, _identity, record.substr(0, 50)); },
		                     CPPUNIT_SOURCELINE());
	}

	void testRewrapKeepsIdentityBinding()
	{
		const std::string record = Envelope::seal(_keyring, _identity, "secret");
		_keyring.rotate();
		const std::string other = Envelope::identity(7, "prod", "db/password", 2);
		thrown<DecryptError>([&] { Envelope::rewrap(_keyring, other, record); }, CPPUNIT_SOURCELINE());
		const std::string rewrapped = Envelope::rewrap(_keyring, _identity, record);
		CPPUNIT_ASSERT(refused(_keyring, other, rewrapped));
		for (std::size_t i = 0; i < rewrapped.size(); ++i)
		{
			std::string tampered = rewrapped;
			tampered[i] = static_cast<char>(tampered[i] ^ 1);
			CPPUNIT_ASSERT_MESSAGE("byte " + std::to_string(i), refused(_keyring, _identity, tampered));
		}
	}

private:
	Keyring _keyring;
	std::string _identity;
};

CPPUNIT_TEST_SUITE_REGISTRATION(EnvelopeTest);
