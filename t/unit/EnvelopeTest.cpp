// Envelope: AES-256-GCM envelope records (format 2, and format 1 still read), identity binding, tampering,
// rotation and rewrap.
#include "vault/Envelope.h"
#include "vault/Keyring.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/Crypto/Cipher.h>
#include <Poco/Crypto/CipherFactory.h>
#include <Poco/Crypto/CipherKey.h>
#include <Poco/Crypto/CryptoTransform.h>
#include <Poco/SHA2Engine.h>
#include <Poco/TemporaryFile.h>

#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>

#include <set>
#include <string>
#include <vector>

using Nexus::Vault::DecryptError;
using Nexus::Vault::Envelope;
using Nexus::Vault::Keyring;
using Nexus::Vault::KeyringError;

using NexusTest::thrown;

namespace {

// Format 2: format, key id, wrap nonce, wrapped binding and key, wrap tag, value nonce, value binding, value tag.
const std::size_t kOverhead = 157;
const std::size_t kValueNonceOffset = 97; // where the value's part of a record starts

// Format 1 (what the vault wrote before format 2).
const std::size_t kOverhead1 = 93;
const std::size_t kValueNonceOffset1 = 65;

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

// Format-1 records written by the vault before format 2 (Envelope.cpp at 7b7ef95), under the keyring
// kFormat1Keyring: A and B of identity (7, "prod", "db/password", 1), C of (8, "prod", "db/password", 1),
// E (an empty value) of the first, all under key 1. Test keys only: the bytes 0x00..0x1f and 0x20..0x3f.
const char kFormat1Keyring[] = "active = 1\n"
                               "key.1 = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
                               "key.2 = ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=\n";

std::string unhex(const std::string& hex)
{
	std::string out;
	for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
		out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
	return out;
}

const std::string kRecordA =
    unhex("0100000001f7d92ee0067099f22c90658df1d447fc5dae2d522d193ed86a875e167d6eac36dff1fbeaed0ad6cfe1da9f"
          "8497cb465af98e8af847ffa76322bf370cccbb0a8658b4ba1ec257613dfd25ed88058bd5f851ab47b80844c04e1147fd"
          "dbcaddaf7996b627943c82359f");
const std::string kRecordB =
    unhex("01000000019e7f6410f31182a222247979de2d63aac9fd6daadb4a3f738c455c4310b42db5f289730b99603200b35195"
          "136d5fda08d79df36d8043ac0eff2741e5f01a1a4a9be6d6bcf81096db951c74cda27ac26f263c4b560a9d72ad14bf72"
          "f145b263f745fa57f86b2f1f2e");
const std::string kRecordC =
    unhex("0100000001a34f6675c82f594fa1a4d5b7a849f557028aa1b71e0aa5fd8c0369e450843416e5160ec111f0de086ba576"
          "80fe0442f2b8bb9a2449692731b943573df1bf8313805a80e40a57c64f49b7825a1294d521599d0be66afcee312278b4"
          "45477aa04cac61ca6253845708");
const std::string kRecordE =
    unhex("01000000010f58bcda07c74ec009be8b28aaa2f0b8dd2416ce357834f597e7eed794ec78b07c47b1af375baea4b47f08"
          "e10f235ec97245e1330e2c47826aa887acc78d1dcc410558b63fe6b98dbd36b9790e8b225d86897faadcaf261c");

std::string sha256(const std::string& data)
{
	Poco::SHA2Engine engine;
	engine.update(data);
	const Poco::DigestEngine::Digest& digest = engine.digest();
	return std::string(digest.begin(), digest.end());
}

std::string bigEndian32(std::uint32_t n)
{
	return std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
	                   static_cast<char>(n)};
}

/// AES-256-GCM of plaintext with Poco::Crypto; the tag is appended.
std::string gcmSeal(const std::string& key, const std::string& nonce, const std::string& plaintext)
{
	using ByteVec = Poco::Crypto::CipherKey::ByteVec;
	Poco::Crypto::CipherKey cipherKey("aes-256-gcm", ByteVec(key.begin(), key.end()),
	                                  ByteVec(nonce.begin(), nonce.end()));
	Poco::Crypto::Cipher::Ptr cipher(Poco::Crypto::CipherFactory::defaultFactory().createCipher(cipherKey));
	Poco::Crypto::CryptoTransform::Ptr encryptor = cipher->createEncryptor();
	std::string out(plaintext.size() + 16, '\0');
	const auto in = reinterpret_cast<const unsigned char*>(plaintext.data());
	const auto n = static_cast<std::streamsize>(plaintext.size());
	auto* const o = reinterpret_cast<unsigned char*>(&out[0]);
	CPPUNIT_ASSERT_EQUAL(n, encryptor->transform(in, n, o, n));
	CPPUNIT_ASSERT_EQUAL(std::streamsize(0), encryptor->finalize(o + n, 16));
	return out.replace(plaintext.size(), 16, encryptor->getTag(16));
}

/// A format-2 record built from Envelope.cpp's description, not by Envelope: the key binding names
/// keyIdentity, the value binding valueIdentity.
std::string documentedRecord(const Keyring& keyring, std::uint32_t keyId, const std::string& keyIdentity,
                             const std::string& valueIdentity, const std::string& value)
{
	const std::string dataKey = randomBytes(32);
	const std::string wrapNonce = randomBytes(12);
	const std::string valueNonce = randomBytes(12);
	const std::string keyBinding =
	    sha256(std::string("nexus-vault/v2/key\0\x02", 20) + bigEndian32(keyId) + keyIdentity);
	const std::string valueBinding = sha256(std::string("nexus-vault/v2/value\0\x02", 22) + valueIdentity);
	return '\x02' + bigEndian32(keyId) + wrapNonce + gcmSeal(keyring.key(keyId), wrapNonce, keyBinding + dataKey) +
	       valueNonce + gcmSeal(dataKey, valueNonce, valueBinding + value);
}

/// A keyring read from text, as the vault reads its file.
Keyring keyringOf(const std::string& text)
{
	Poco::TemporaryFile file;
	{
		std::ofstream out(file.path());
		out << text;
	}
	::chmod(file.path().c_str(), 0600);
	return Keyring::load(file.path());
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
	CPPUNIT_TEST(testFormatsAreNotInterchangeable);
	CPPUNIT_TEST(testFormat2AsDocumented);
	CPPUNIT_TEST(testKeyBindingIsChecked);
	CPPUNIT_TEST(testValueBindingIsChecked);
	CPPUNIT_TEST(testOtherKeyIdOfTheKeyring);
	CPPUNIT_TEST(testFormat1RecordsOpen);
	CPPUNIT_TEST(testFormat1EveryByteFlipped);
	CPPUNIT_TEST(testFormat1OtherIdentity);
	CPPUNIT_TEST(testFormat1TruncatedOrExtended);
	CPPUNIT_TEST(testFormat1SplicedRecords);
	CPPUNIT_TEST(testFormat1WrongKeyId);
	CPPUNIT_TEST(testRewrapMovesFormat1ToFormat2);
	CPPUNIT_TEST(testRewrapRefusesDamagedFormat1Record);
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
		CPPUNIT_ASSERT_EQUAL(2, static_cast<int>(record[0]));
		CPPUNIT_ASSERT_EQUAL(static_cast<unsigned char>(2), Envelope::format(record));
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
		CPPUNIT_ASSERT(a.substr(17, 64) != b.substr(17, 64)); // wrapped binding and data key
		CPPUNIT_ASSERT(a.substr(97, 12) != b.substr(97, 12)); // value nonce
		CPPUNIT_ASSERT(a.substr(109) != b.substr(109));       // sealed value and tag
		std::set<std::string> nonces;
		for (int i = 0; i < 200; ++i)
		{
			const std::string r = Envelope::seal(_keyring, _identity, "v");
			nonces.insert(r.substr(5, 12));
			nonces.insert(r.substr(97, 12));
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
		for (int format : {0, 3, 0xFF})
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
		CPPUNIT_ASSERT(record.substr(17, 80) != rewrapped.substr(17, 80));
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

	void testFormatsAreNotInterchangeable()
	{
		// A format-2 record relabelled as format 1, and a format-1 record relabelled as format 2.
		std::string record = Envelope::seal(_keyring, _identity, "secret");
		record[0] = 1;
		thrown<DecryptError>([&] { Envelope::open(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
		const Keyring keyring = keyringOf(kFormat1Keyring);
		std::string old = kRecordA;
		old[0] = 2;
		thrown<DecryptError>([&] { Envelope::open(keyring, _identity, old); }, CPPUNIT_SOURCELINE());
		std::string longer = kRecordA + std::string(64, '\0'); // long enough for format 2
		longer[0] = 2;
		thrown<DecryptError>([&] { Envelope::open(keyring, _identity, longer); }, CPPUNIT_SOURCELINE());
	}

	void testFormat2AsDocumented()
	{
		const std::string record = documentedRecord(_keyring, 1, _identity, _identity, "as documented");
		CPPUNIT_ASSERT_EQUAL(kOverhead + 13, record.size());
		CPPUNIT_ASSERT_EQUAL(std::string("as documented"), Envelope::open(_keyring, _identity, record));
		const std::string empty = documentedRecord(_keyring, 1, _identity, _identity, "");
		CPPUNIT_ASSERT_EQUAL(std::string(), Envelope::open(_keyring, _identity, empty));
	}

	void testKeyBindingIsChecked()
	{
		// Both tags are valid; only the wrap's binding names another secret (or another key id).
		const std::string other = Envelope::identity(8, "prod", "db/password", 1);
		const std::string record = documentedRecord(_keyring, 1, other, _identity, "secret");
		thrown<DecryptError>([&] { Envelope::open(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::open(_keyring, other, record); }, CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::rewrap(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
		Keyring two = Keyring::generate();
		two.rotate();
		std::string wrongId = documentedRecord(two, 2, _identity, _identity, "secret");
		CPPUNIT_ASSERT_EQUAL(std::string("secret"), Envelope::open(two, _identity, wrongId));
		const std::string keyBinding1 =
		    sha256(std::string("nexus-vault/v2/key\0\x02", 20) + bigEndian32(1) + _identity);
		const std::string nonce = randomBytes(12);
		wrongId.replace(5, 12 + 64 + 16, nonce + gcmSeal(two.key(2), nonce, keyBinding1 + randomBytes(32)));
		thrown<DecryptError>([&] { Envelope::open(two, _identity, wrongId); }, CPPUNIT_SOURCELINE());
	}

	void testValueBindingIsChecked()
	{
		// Both tags are valid; only the value's binding names another secret.
		const std::string other = Envelope::identity(7, "prod", "db/password", 2);
		const std::string record = documentedRecord(_keyring, 1, _identity, other, "secret");
		thrown<DecryptError>([&] { Envelope::open(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::open(_keyring, other, record); }, CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::rewrap(_keyring, _identity, record); }, CPPUNIT_SOURCELINE());
	}

	void testOtherKeyIdOfTheKeyring()
	{
		// The record names another key that the keyring holds: the wrap's tag does not match.
		Keyring two = Keyring::generate();
		two.rotate();
		std::string record = Envelope::seal(two, _identity, "secret");
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), Envelope::keyId(record));
		record[4] = 1;
		thrown<DecryptError>([&] { Envelope::open(two, _identity, record); }, CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::rewrap(two, _identity, record); }, CPPUNIT_SOURCELINE());
	}

	void testFormat1RecordsOpen()
	{
		const Keyring keyring = keyringOf(kFormat1Keyring);
		const std::string other = Envelope::identity(8, "prod", "db/password", 1);
		CPPUNIT_ASSERT_EQUAL(std::string("format-1 value a"), Envelope::open(keyring, _identity, kRecordA));
		CPPUNIT_ASSERT_EQUAL(std::string("format-1 value b"), Envelope::open(keyring, _identity, kRecordB));
		CPPUNIT_ASSERT_EQUAL(std::string("format-1 value c"), Envelope::open(keyring, other, kRecordC));
		CPPUNIT_ASSERT_EQUAL(std::string(), Envelope::open(keyring, _identity, kRecordE));
		CPPUNIT_ASSERT_EQUAL(kOverhead1 + 16, kRecordA.size());
		CPPUNIT_ASSERT_EQUAL(static_cast<unsigned char>(1), Envelope::format(kRecordA));
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), Envelope::keyId(kRecordA));
	}

	void testFormat1EveryByteFlipped()
	{
		const Keyring keyring = keyringOf(kFormat1Keyring);
		for (const std::string& record : {kRecordA, kRecordE})
			for (std::size_t i = 0; i < record.size(); ++i)
				for (unsigned char mask : {0x01, 0x80, 0xFF})
				{
					std::string tampered = record;
					tampered[i] = static_cast<char>(tampered[i] ^ mask);
					CPPUNIT_ASSERT_MESSAGE("byte " + std::to_string(i), refused(keyring, _identity, tampered));
				}
	}

	void testFormat1OtherIdentity()
	{
		const Keyring keyring = keyringOf(kFormat1Keyring);
		CPPUNIT_ASSERT(refused(keyring, Envelope::identity(8, "prod", "db/password", 1), kRecordA));
		CPPUNIT_ASSERT(refused(keyring, Envelope::identity(7, "prod", "db/password", 2), kRecordA));
		CPPUNIT_ASSERT(refused(keyring, Envelope::identity(7, "prodd", "b/password", 1), kRecordA));
		CPPUNIT_ASSERT(refused(keyring, "", kRecordA));
		CPPUNIT_ASSERT(refused(keyring, _identity, kRecordC)); // another secret's record copied here
	}

	void testFormat1TruncatedOrExtended()
	{
		const Keyring keyring = keyringOf(kFormat1Keyring);
		for (std::size_t n = 0; n < kRecordA.size(); ++n)
			thrown<DecryptError>([&] { Envelope::open(keyring, _identity, kRecordA.substr(0, n)); },
			                     CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::open(keyring, _identity, kRecordA + '\0'); }, CPPUNIT_SOURCELINE());
		thrown<DecryptError>([&] { Envelope::keyId(kRecordA.substr(0, kOverhead1 - 1)); }, CPPUNIT_SOURCELINE());
	}

	void testFormat1SplicedRecords()
	{
		const Keyring keyring = keyringOf(kFormat1Keyring);
		const std::string other = Envelope::identity(8, "prod", "db/password", 1);
		const std::size_t cut = kValueNonceOffset1;
		CPPUNIT_ASSERT(refused(keyring, _identity, kRecordA.substr(0, cut) + kRecordB.substr(cut)));
		CPPUNIT_ASSERT(refused(keyring, _identity, kRecordC.substr(0, cut) + kRecordA.substr(cut)));
		CPPUNIT_ASSERT(refused(keyring, other, kRecordC.substr(0, cut) + kRecordA.substr(cut)));
	}

	void testFormat1WrongKeyId()
	{
		const Keyring keyring = keyringOf(kFormat1Keyring);
		// Key id 2 is in the keyring, with other bytes: the wrap's tag does not match.
		std::string record = kRecordA;
		record[4] = 2;
		thrown<DecryptError>([&] { Envelope::open(keyring, _identity, record); }, CPPUNIT_SOURCELINE());
		// A key id the keyring lacks.
		record[4] = 9;
		thrown<KeyringError>([&] { Envelope::open(keyring, _identity, record); }, CPPUNIT_SOURCELINE());
		// The right key id in a keyring with other bytes for it.
		thrown<DecryptError>([&] { Envelope::open(_keyring, _identity, kRecordA); }, CPPUNIT_SOURCELINE());
	}

	void testRewrapMovesFormat1ToFormat2()
	{
		Keyring keyring = keyringOf(kFormat1Keyring);
		// Under the active key already, but of format 1: rewrap still moves it.
		const std::string same = Envelope::rewrap(keyring, _identity, kRecordA);
		CPPUNIT_ASSERT_EQUAL(static_cast<unsigned char>(2), Envelope::format(same));
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), Envelope::keyId(same));
		CPPUNIT_ASSERT_EQUAL(kOverhead + 16, same.size());
		CPPUNIT_ASSERT_EQUAL(std::string("format-1 value a"), Envelope::open(keyring, _identity, same));
		// After a rotation: the new key, and the old one can go.
		keyring.rotate();
		const std::string moved = Envelope::rewrap(keyring, _identity, kRecordE);
		CPPUNIT_ASSERT_EQUAL(static_cast<unsigned char>(2), Envelope::format(moved));
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(3), Envelope::keyId(moved));
		keyring.remove(1);
		CPPUNIT_ASSERT_EQUAL(std::string(), Envelope::open(keyring, _identity, moved));
		thrown<KeyringError>([&] { Envelope::open(keyring, _identity, kRecordE); }, CPPUNIT_SOURCELINE());
		// The new record is bound like any format-2 record.
		CPPUNIT_ASSERT(refused(keyring, Envelope::identity(8, "prod", "db/password", 1), moved));
		for (std::size_t i = 0; i < moved.size(); ++i)
		{
			std::string tampered = moved;
			tampered[i] = static_cast<char>(tampered[i] ^ 1);
			CPPUNIT_ASSERT_MESSAGE("byte " + std::to_string(i), refused(keyring, _identity, tampered));
		}
	}

	void testRewrapRefusesDamagedFormat1Record()
	{
		Keyring keyring = keyringOf(kFormat1Keyring);
		keyring.rotate();
		for (std::size_t i : {std::size_t(20), kValueNonceOffset1, kRecordA.size() - 1})
		{
			std::string tampered = kRecordA;
			tampered[i] = static_cast<char>(tampered[i] ^ 1);
			thrown<DecryptError>([&] { Envelope::rewrap(keyring, _identity, tampered); }, CPPUNIT_SOURCELINE());
		}
		thrown<DecryptError>(
		    [&] { Envelope::rewrap(keyring, Envelope::identity(7, "prod", "db/password", 2), kRecordA); },
		    CPPUNIT_SOURCELINE());
	}

private:
	Keyring _keyring;
	std::string _identity;
};

CPPUNIT_TEST_SUITE_REGISTRATION(EnvelopeTest);
