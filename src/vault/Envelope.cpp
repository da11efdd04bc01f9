// Envelope: AES-256-GCM envelope encryption of one secret version.
//
// Every record starts with a format byte. seal() writes format 2 (through
// Poco::Crypto); open() and rewrap() also read format 1, which the vault
// wrote before, and rewrap() turns a format-1 record into a format-2 one.
// In both formats a record holds a random 256-bit data key that encrypts
// exactly one value, wrapped by a keyring key (the key-encryption key,
// KEK); each seal draws the data key and two 12-byte nonces afresh from
// RAND_bytes (Random::fill). A record names its KEK by key_id so that
// rotation and rewrap work without touching the value.
//
// identity(secretId, scope, name, version) is the secret version's canonical
// identity, with fixed-width big-endian integers and length-prefixed strings,
// so that distinct tuples never encode alike:
//
//   secretId (8)  len(scope) (4)  scope  len(name) (4)  name  version (4)
//
// Record format 2, byte by byte (seal() writes it):
//
//   offset  length  field
//   0       1       format = 0x02
//   1       4       key_id: the keyring key that wraps the data key, big-endian
//   5       12      wrap_nonce: random GCM nonce of the key wrap
//   17      64      wrapped: key_binding (32) then the data key (32), encrypted with key key_id
//   81      16      wrap_tag: GCM tag of the key wrap
//   97      12      value_nonce: random GCM nonce of the value
//   109     32+n    sealed_value: value_binding (32) then the value (n), encrypted with the data key
//   141+n   16      value_tag: GCM tag of the value
//
// 157 + n bytes in all. The bindings are SHA-256 digests of the identity:
//
//   key_binding   = SHA-256("nexus-vault/v2/key"   0x00  0x02  key_id (4, big-endian)  identity)
//   value_binding = SHA-256("nexus-vault/v2/value" 0x00  0x02  identity)
//
// Why bindings inside the plaintext: Poco 1.11's Cipher has no way to pass
// GCM additional authenticated data (AAD), which is how format 1 binds the
// identity. Format 2 puts a digest of the identity at the start of each
// plaintext instead: the GCM tag authenticates it together with the secret,
// and open() decrypts, checks the tag, then compares the digest with the one
// it expects (Poco::DigestEngine::constantTimeEquals) and refuses a record of
// another identity, wiping what it decrypted. That is as strong as AAD: a
// record moved to another row, version or key id decrypts (its tag is valid)
// but to a binding that differs unless SHA-256 collides, and nothing in a
// record can be changed without failing a tag. The other way the issue
// offered, a data key derived per identity (HMAC), was not taken: Poco's
// HMACEngine keeps its key-dependent SHA-256 state in memory that it frees
// without wiping, whereas a digest of the identity is no secret. The cost is
// 64 bytes per record.
//
// As in format 1, key_binding holds key_id and the value's binding does
// not, so that rewrap() can move a record to another key without touching
// value_nonce, sealed_value or value_tag: key_id stays bound, because the
// only way to the data key is the wrap, whose binding holds key_id and the
// identity. Changing key_id selects another key (the wrap's tag fails) or
// none (KeyringError); a wrap moved onto another record fails its binding
// (another identity) or yields a data key that fails the value's tag.
//
// Record format 1, byte by byte (read only; nexusctl vault rewrap moves it
// to format 2):
//
//   offset  length  field
//   0       1       format = 0x01
//   1       4       key_id, big-endian
//   5       12      wrap_nonce
//   17      32      wrapped_data_key: the data key encrypted with key key_id
//   49      16      wrap_tag
//   65      12      value_nonce
//   77      n       value_ciphertext: the value encrypted with the data key
//   77+n    16      value_tag
//
// 93 + n bytes in all, the identity bound as AAD:
//
//   key wrap:  "nexus-vault/v1/key"   0x00  0x01  key_id (4, big-endian)  identity
//   value:     "nexus-vault/v1/value" 0x00  0x01  identity
//
// open() reports a missing key id as KeyringError (the operator has the wrong
// keyring) and everything else as DecryptError with one fixed message, so
// that no failure says more about a record than that it did not open.
//
// Key material: our own copies (data keys, plaintexts of a refused record)
// are wiped when they go out of scope, and so is the copy in Poco's
// CipherKey (overwritten in place). Poco 1.11's CryptoTransform keeps one
// more copy of the key, which it frees without wiping; Poco offers no way to
// reach it. The cipher context itself is cleansed by OpenSSL when Poco
// resets it.

#include "vault/Envelope.h"

#include "util/Random.h"
#include "util/Wiper.h"

#include <Poco/Crypto/Cipher.h>
#include <Poco/Crypto/CipherFactory.h>
#include <Poco/Crypto/CipherKey.h>
#include <Poco/Crypto/CryptoTransform.h>
#include <Poco/Crypto/OpenSSLInitializer.h>
#include <Poco/DigestEngine.h>
#include <Poco/Exception.h>
#include <Poco/SHA2Engine.h>

// OpenSSL directly for the format-1 reader only: it needs GCM's AAD, which
// Poco 1.11's Cipher cannot pass.
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <vector>

namespace Nexus {
namespace Vault {

namespace {

using ByteVec = Poco::Crypto::CipherKey::ByteVec;

constexpr unsigned char kFormat1 = 1;
constexpr unsigned char kFormat2 = 2;
static_assert(Envelope::kFormat == kFormat2, "seal() writes format 2");

const char* const kCipherName = "aes-256-gcm";

constexpr std::size_t kKeyIdBytes = 4;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kDataKeyBytes = 32;
constexpr std::size_t kBindingBytes = 32; // SHA-256
constexpr std::size_t kKeyIdOffset = 1;
constexpr std::size_t kWrapNonceOffset = kKeyIdOffset + kKeyIdBytes;
constexpr std::size_t kWrappedOffset = kWrapNonceOffset + kNonceBytes; // the same in both formats

// Format 2.
constexpr std::size_t kWrapped2Bytes = kBindingBytes + kDataKeyBytes;
constexpr std::size_t kWrapTag2Offset = kWrappedOffset + kWrapped2Bytes;
constexpr std::size_t kValueNonce2Offset = kWrapTag2Offset + kTagBytes;
constexpr std::size_t kValue2Offset = kValueNonce2Offset + kNonceBytes;
constexpr std::size_t kMinRecord2Bytes = kValue2Offset + kBindingBytes + kTagBytes;
static_assert(kValueNonce2Offset == 97 && kValue2Offset == 109 && kMinRecord2Bytes == 157, "record format 2 layout");

// Format 1.
constexpr std::size_t kWrapTag1Offset = kWrappedOffset + kDataKeyBytes;
constexpr std::size_t kValueNonce1Offset = kWrapTag1Offset + kTagBytes;
constexpr std::size_t kValue1Offset = kValueNonce1Offset + kNonceBytes;
constexpr std::size_t kMinRecord1Bytes = kValue1Offset + kTagBytes;
static_assert(kValue1Offset == 77 && kMinRecord1Bytes == 93, "record format 1 layout");

static_assert(Keyring::kKeyBytes == 32, "AES-256 key-encryption keys");

const char* const kCannotOpen = "the vault record cannot be decrypted";

const char kWrapLabel1[] = "nexus-vault/v1/key";
const char kValueLabel1[] = "nexus-vault/v1/value";
const char kWrapLabel2[] = "nexus-vault/v2/key";
const char kValueLabel2[] = "nexus-vault/v2/value";

/// Key bytes as Poco's CipherKey takes them; wiped when they go out of scope.
class KeyBytes
{
public:
	KeyBytes(): _bytes(kDataKeyBytes, 0) {}
	explicit KeyBytes(const std::string& key): _bytes(key.begin(), key.end()) {}
	~KeyBytes() { wipe(_bytes); }
	KeyBytes(const KeyBytes&) = delete;
	KeyBytes& operator=(const KeyBytes&) = delete;

	static void wipe(ByteVec& v) { Wiper::wipe(v.data(), v.size()); }

	ByteVec& bytes() { return _bytes; }
	const ByteVec& bytes() const { return _bytes; }
	unsigned char* data() { return _bytes.data(); }

private:
	ByteVec _bytes;
};

/// A byte range of a plaintext or ciphertext.
struct Span
{
	const unsigned char* data = nullptr;
	std::size_t size = 0;
};

/// Where a decryption puts its output.
struct OutSpan
{
	unsigned char* data = nullptr;
	std::size_t size = 0;
};

const unsigned char* bytes(const std::string& s, std::size_t offset = 0)
{
	return reinterpret_cast<const unsigned char*>(s.data()) + offset;
}

unsigned char* bytes(std::string& s, std::size_t offset = 0)
{
	return reinterpret_cast<unsigned char*>(&s[0]) + offset;
}

void appendBigEndian(std::string& out, std::uint64_t value, int width)
{
	for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

void putKeyId(std::string& record, std::uint32_t keyId)
{
	for (std::size_t i = 0; i < kKeyIdBytes; ++i)
		record[kKeyIdOffset + i] = static_cast<char>((keyId >> (8 * (kKeyIdBytes - 1 - i))) & 0xFF);
}

int checkedLength(std::size_t n)
{
	if (n > static_cast<std::size_t>(INT_MAX) - kMinRecord2Bytes) throw std::length_error("vault: value too large");
	return static_cast<int>(n);
}

// ---- Format 2: Poco::Crypto ------------------------------------------------

Poco::DigestEngine::Digest sha256(const std::string& data)
{
	Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
	engine.update(data);
	return engine.digest();
}

Poco::DigestEngine::Digest keyBinding(std::uint32_t keyId, const std::string& identity)
{
	std::string input(kWrapLabel2, sizeof(kWrapLabel2)); // with its terminating 0x00
	input.push_back(static_cast<char>(kFormat2));
	appendBigEndian(input, keyId, 4);
	input += identity;
	return sha256(input);
}

Poco::DigestEngine::Digest valueBinding(const std::string& identity)
{
	std::string input(kValueLabel2, sizeof(kValueLabel2));
	input.push_back(static_cast<char>(kFormat2));
	input += identity;
	return sha256(input);
}

/// An AES-256-GCM transform of Poco::Crypto for key and nonce. The key's
/// copy in Poco's CipherKey is overwritten when this goes out of scope.
class Gcm
{
public:
	Gcm(const ByteVec& key, const unsigned char* nonce, bool encrypt):
	    _key(cipherKey(key, nonce)), _cipher(Poco::Crypto::CipherFactory::defaultFactory().createCipher(_key)),
	    _transform(encrypt ? _cipher->createEncryptor() : _cipher->createDecryptor())
	{}

	~Gcm()
	{
		// The Cipher shares the CipherKey's storage: assigning zeros of the
		// same size overwrites that copy in place.
		_key.setKey(ByteVec(kDataKeyBytes, 0));
	}

	Gcm(const Gcm&) = delete;
	Gcm& operator=(const Gcm&) = delete;

	/// Encrypts or decrypts n bytes (GCM is a stream mode: n bytes out).
	void update(const unsigned char* in, std::size_t n, unsigned char* out)
	{
		if (n == 0) return;
		const std::streamsize length = static_cast<std::streamsize>(n);
		if (_transform->transform(in, length, out, length) != length)
			throw Poco::IOException("vault: short cipher output");
	}

	/// Finishes an encryption; its tag to tag.
	void seal(unsigned char* tag)
	{
		finalize();
		const std::string t = _transform->getTag(kTagBytes);
		std::copy(t.begin(), t.end(), tag);
	}

	/// Finishes a decryption; throws Poco::Exception when the tag does not match.
	void open(const unsigned char* tag)
	{
		_transform->setTag(std::string(reinterpret_cast<const char*>(tag), kTagBytes));
		finalize();
	}

private:
	static Poco::Crypto::CipherKey cipherKey(const ByteVec& key, const unsigned char* nonce)
	{
		// Poco sets OpenSSL up when the first of its objects appears and
		// tears it down when the last goes (re-seeding from /dev/urandom
		// each time, most of seal+open's time); one initializer for the
		// life of the process keeps it set up.
		static const Poco::Crypto::OpenSSLInitializer initializer;
		return Poco::Crypto::CipherKey(kCipherName, key, ByteVec(nonce, nonce + kNonceBytes));
	}

	void finalize()
	{
		unsigned char rest[kTagBytes]; // GCM writes nothing here; Poco wants room for a block
		_transform->finalize(rest, sizeof(rest));
	}

	Poco::Crypto::CipherKey _key;
	Poco::Crypto::Cipher::Ptr _cipher;
	Poco::Crypto::CryptoTransform::Ptr _transform;
};

/// Encrypts the parts, one after the other, to out; the tag to tag.
void seal2(const ByteVec& key, const unsigned char* nonce, std::initializer_list<Span> parts, unsigned char* out,
           unsigned char* tag)
{
	try
	{
		Gcm gcm(key, nonce, true);
		for (const Span& part : parts)
		{
			gcm.update(part.data, part.size, out);
			out += part.size;
		}
		gcm.seal(tag);
	}
	catch (const Poco::Exception&)
	{
		throw std::runtime_error("vault: encryption failed");
	}
}

/// Decrypts in (the sum of the parts' sizes) into the parts; false when the
/// tag does not match (the parts then hold nothing the caller may use; it
/// wipes them).
bool open2(const ByteVec& key, const unsigned char* nonce, const unsigned char* in,
           std::initializer_list<OutSpan> parts, const unsigned char* tag)
{
	try
	{
		Gcm gcm(key, nonce, false);
		for (const OutSpan& part : parts)
		{
			gcm.update(in, part.size, part.data);
			in += part.size;
		}
		gcm.open(tag);
		return true;
	}
	catch (const Poco::Exception&)
	{
		return false;
	}
}

bool bindingMatches(const unsigned char* found, const Poco::DigestEngine::Digest& expected)
{
	return Poco::DigestEngine::constantTimeEquals(Poco::DigestEngine::Digest(found, found + kBindingBytes), expected);
}

/// Writes the format-2 wrap of dataKey under the keyring's active key into
/// record (key_id, wrap_nonce, wrapped, wrap_tag).
void wrap2(const Keyring& keyring, const std::string& identity, const KeyBytes& dataKey, std::string& record)
{
	const std::uint32_t keyId = keyring.activeId();
	const KeyBytes kek(keyring.key(keyId));
	putKeyId(record, keyId);
	Random::fill(bytes(record, kWrapNonceOffset), kNonceBytes);
	const Poco::DigestEngine::Digest binding = keyBinding(keyId, identity);
	seal2(kek.bytes(), bytes(record, kWrapNonceOffset),
	      {Span{binding.data(), kBindingBytes}, Span{dataKey.bytes().data(), kDataKeyBytes}},
	      bytes(record, kWrappedOffset), bytes(record, kWrapTag2Offset));
}

void unwrap2(const Keyring& keyring, std::uint32_t keyId, const std::string& identity, const std::string& record,
             KeyBytes& dataKey)
{
	const KeyBytes kek(keyring.key(keyId));
	unsigned char binding[kBindingBytes];
	if (!open2(kek.bytes(), bytes(record, kWrapNonceOffset), bytes(record, kWrappedOffset),
	           {OutSpan{binding, kBindingBytes}, OutSpan{dataKey.data(), kDataKeyBytes}},
	           bytes(record, kWrapTag2Offset)) ||
	    !bindingMatches(binding, keyBinding(keyId, identity)))
		throw DecryptError(kCannotOpen);
}

std::string openValue2(const KeyBytes& dataKey, const std::string& identity, const std::string& record)
{
	const std::size_t n = record.size() - kMinRecord2Bytes;
	std::string plaintext(n, '\0');
	unsigned char binding[kBindingBytes];
	if (!open2(dataKey.bytes(), bytes(record, kValueNonce2Offset), bytes(record, kValue2Offset),
	           {OutSpan{binding, kBindingBytes}, OutSpan{bytes(plaintext), n}},
	           bytes(record, kValue2Offset + kBindingBytes + n)) ||
	    !bindingMatches(binding, valueBinding(identity)))
	{
		Wiper wipe(plaintext);
		throw DecryptError(kCannotOpen);
	}
	return plaintext;
}

// ---- Format 1: OpenSSL EVP (Poco 1.11 cannot pass AAD) ---------------------

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::string aad1(const char* label, std::size_t labelSize, const std::uint32_t* keyId, const std::string& identity)
{
	std::string aad(label, labelSize); // with its terminating 0x00
	aad.push_back(static_cast<char>(kFormat1));
	if (keyId) appendBigEndian(aad, *keyId, 4);
	aad += identity;
	return aad;
}

/// AES-256-GCM decryption of n bytes at in to out, with aad; false when the
/// tag does not match (out then holds no plaintext the caller may use).
bool open1(const unsigned char* key, const unsigned char* nonce, const std::string& aad, const unsigned char* in,
           std::size_t n, const unsigned char* tag, unsigned char* out)
{
	CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
	if (!context) throw std::runtime_error("vault: cannot allocate a cipher context");
	EVP_CIPHER_CTX* ctx = context.get();
	unsigned char expected[kTagBytes];
	std::copy(tag, tag + kTagBytes, expected);
	int length = 0;
	bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
	          EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) == 1 &&
	          EVP_DecryptInit_ex(ctx, nullptr, nullptr, key, nonce) == 1 &&
	          EVP_DecryptUpdate(ctx, nullptr, &length, bytes(aad), checkedLength(aad.size())) == 1;
	if (ok && n > 0) ok = EVP_DecryptUpdate(ctx, out, &length, in, checkedLength(n)) == 1;
	if (ok) ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), expected) == 1;
	if (ok) ok = EVP_DecryptFinal_ex(ctx, out + n, &length) == 1;
	return ok;
}

std::string openRecord1(const Keyring& keyring, std::uint32_t keyId, const std::string& identity,
                        const std::string& record)
{
	const std::string& kek = keyring.key(keyId);
	KeyBytes dataKey;
	if (!open1(bytes(kek), bytes(record, kWrapNonceOffset), aad1(kWrapLabel1, sizeof(kWrapLabel1), &keyId, identity),
	           bytes(record, kWrappedOffset), kDataKeyBytes, bytes(record, kWrapTag1Offset), dataKey.data()))
		throw DecryptError(kCannotOpen);
	const std::size_t n = record.size() - kMinRecord1Bytes;
	std::string plaintext(n, '\0');
	if (!open1(dataKey.data(), bytes(record, kValueNonce1Offset),
	           aad1(kValueLabel1, sizeof(kValueLabel1), nullptr, identity), bytes(record, kValue1Offset), n,
	           bytes(record, kValue1Offset + n), bytes(plaintext)))
	{
		Wiper wipe(plaintext);
		throw DecryptError(kCannotOpen);
	}
	return plaintext;
}

// ---- Both ------------------------------------------------------------------

/// Checks the record's format and length; returns its format, and its key id in keyId.
unsigned char parseHeader(const std::string& record, std::uint32_t& keyId)
{
	const unsigned char format = record.empty() ? 0 : static_cast<unsigned char>(record[0]);
	const std::size_t minimum = format == kFormat2 ? kMinRecord2Bytes : format == kFormat1 ? kMinRecord1Bytes : 0;
	if (minimum == 0 || record.size() < minimum) throw DecryptError(kCannotOpen);
	keyId = 0;
	for (std::size_t i = 0; i < kKeyIdBytes; ++i)
		keyId = (keyId << 8) | static_cast<unsigned char>(record[kKeyIdOffset + i]);
	return format;
}

} // namespace

std::string Envelope::identity(std::uint64_t secretId, const std::string& scope, const std::string& name,
                               std::uint32_t version)
{
	if (scope.size() > UINT32_MAX || name.size() > UINT32_MAX) throw std::length_error("vault: identity too long");
	std::string out;
	out.reserve(8 + 4 + scope.size() + 4 + name.size() + 4);
	appendBigEndian(out, secretId, 8);
	appendBigEndian(out, scope.size(), 4);
	out += scope;
	appendBigEndian(out, name.size(), 4);
	out += name;
	appendBigEndian(out, version, 4);
	return out;
}

std::string Envelope::seal(const Keyring& keyring, const std::string& identity, const std::string& plaintext)
{
	const std::size_t n = plaintext.size();
	checkedLength(n);
	std::string record(kMinRecord2Bytes + n, '\0');
	record[0] = static_cast<char>(kFormat2);

	KeyBytes dataKey;
	Random::fill(dataKey.data(), kDataKeyBytes);
	wrap2(keyring, identity, dataKey, record);
	Random::fill(bytes(record, kValueNonce2Offset), kNonceBytes);
	const Poco::DigestEngine::Digest binding = valueBinding(identity);
	seal2(dataKey.bytes(), bytes(record, kValueNonce2Offset),
	      {Span{binding.data(), kBindingBytes}, Span{bytes(plaintext), n}}, bytes(record, kValue2Offset),
	      bytes(record, kValue2Offset + kBindingBytes + n));
	return record;
}

std::string Envelope::open(const Keyring& keyring, const std::string& identity, const std::string& record)
{
	std::uint32_t keyId = 0;
	if (parseHeader(record, keyId) == kFormat1) return openRecord1(keyring, keyId, identity, record);
	KeyBytes dataKey;
	unwrap2(keyring, keyId, identity, record, dataKey);
	return openValue2(dataKey, identity, record);
}

std::string Envelope::rewrap(const Keyring& keyring, const std::string& identity, const std::string& record)
{
	std::uint32_t keyId = 0;
	if (parseHeader(record, keyId) == kFormat1)
	{
		// A new format-2 record: the value is sealed again under a new data key.
		std::string plaintext = openRecord1(keyring, keyId, identity, record);
		Wiper wipe(plaintext);
		return seal(keyring, identity, plaintext);
	}
	KeyBytes dataKey;
	unwrap2(keyring, keyId, identity, record, dataKey);
	// Check the value too, so that a damaged record is reported now rather
	// than carried to the new key; the plaintext is wiped at once.
	{
		std::string plaintext = openValue2(dataKey, identity, record);
		Wiper wipe(plaintext);
	}
	std::string rewrapped(record);
	wrap2(keyring, identity, dataKey, rewrapped);
	return rewrapped;
}

std::uint32_t Envelope::keyId(const std::string& record)
{
	std::uint32_t keyId = 0;
	parseHeader(record, keyId);
	return keyId;
}

unsigned char Envelope::format(const std::string& record)
{
	std::uint32_t keyId = 0;
	return parseHeader(record, keyId);
}

} // namespace Vault
} // namespace Nexus
