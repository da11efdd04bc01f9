// Envelope: AES-256-GCM envelope encryption of one secret version.
//
// Record format 1 (what the vault stores per secret version), byte by byte:
//
//   offset  length  field
//   0       1       format = 0x01
//   1       4       key_id: the keyring key that wraps the data key, big-endian
//   5       12      wrap_nonce: random GCM nonce of the key wrap
//   17      32      wrapped_data_key: the data key encrypted with key key_id
//   49      16      wrap_tag: GCM tag of the key wrap
//   65      12      value_nonce: random GCM nonce of the value
//   77      n       value_ciphertext: the value encrypted with the data key
//   77+n    16      value_tag: GCM tag of the value
//
// 93 + n bytes in all. Every seal draws a fresh 32-byte data key and two
// fresh 12-byte nonces from RAND_bytes; a data key encrypts exactly one value.
//
// Authenticated data (AAD), where identity is identity() below:
//
//   key wrap:  "nexus-vault/v1/key"   0x00  format  key_id (4, big-endian)  identity
//   value:     "nexus-vault/v1/value" 0x00  format  identity
//
// The labels separate the two uses. The value's AAD leaves key_id out on
// purpose, so that rewrap() can move a record to another key without
// touching the value's nonce, ciphertext or tag: key_id is still bound,
// because the only way to the data key is the wrap, whose AAD holds key_id
// and the identity. Changing key_id selects another key or fails the wrap's
// tag; moving a wrap onto another record fails the wrap's tag (another
// identity) or yields a data key that fails the value's tag.
//
// identity(secretId, scope, name, version), fixed-width big-endian integers
// and length-prefixed strings, so that distinct tuples never encode alike:
//
//   secretId (8)  len(scope) (4)  scope  len(name) (4)  name  version (4)
//
// open() reports a missing key id as KeyringError (the operator has the wrong
// keyring) and everything else as DecryptError with one fixed message, so
// that no failure says more about a record than that it did not open.

#include "vault/Envelope.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace Nexus {
namespace Vault {

namespace {

constexpr std::size_t kKeyIdBytes = 4;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kDataKeyBytes = 32;

constexpr std::size_t kKeyIdOffset = 1;
constexpr std::size_t kWrapNonceOffset = kKeyIdOffset + kKeyIdBytes;
constexpr std::size_t kWrappedKeyOffset = kWrapNonceOffset + kNonceBytes;
constexpr std::size_t kWrapTagOffset = kWrappedKeyOffset + kDataKeyBytes;
constexpr std::size_t kValueNonceOffset = kWrapTagOffset + kTagBytes;
constexpr std::size_t kValueOffset = kValueNonceOffset + kNonceBytes;
constexpr std::size_t kMinRecordBytes = kValueOffset + kTagBytes;

static_assert(kValueOffset == 77 && kMinRecordBytes == 93, "record format 1 layout");
static_assert(Keyring::kKeyBytes == 32, "AES-256 key-encryption keys");

const char* const kCannotOpen = "the vault record cannot be decrypted";

const char kWrapLabel[] = "nexus-vault/v1/key";
const char kValueLabel[] = "nexus-vault/v1/value";

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

/// Holds a data key; wipes it when it goes out of scope.
struct DataKey
{
	unsigned char bytes[kDataKeyBytes];
	DataKey() = default;
	~DataKey() { OPENSSL_cleanse(bytes, sizeof(bytes)); }
	DataKey(const DataKey&) = delete;
	DataKey& operator=(const DataKey&) = delete;
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

void random(unsigned char* out, std::size_t n)
{
	if (RAND_bytes(out, static_cast<int>(n)) != 1) throw std::runtime_error("vault: random generator failed");
}

std::string wrapAad(std::uint32_t keyId, const std::string& identity)
{
	std::string aad(kWrapLabel, sizeof(kWrapLabel)); // with its terminating 0x00
	aad.push_back(static_cast<char>(Envelope::kFormat));
	appendBigEndian(aad, keyId, 4);
	aad += identity;
	return aad;
}

std::string valueAad(const std::string& identity)
{
	std::string aad(kValueLabel, sizeof(kValueLabel));
	aad.push_back(static_cast<char>(Envelope::kFormat));
	aad += identity;
	return aad;
}

CipherContext newContext()
{
	CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
	if (!context) throw std::runtime_error("vault: cannot allocate a cipher context");
	return context;
}

int checkedLength(std::size_t n)
{
	if (n > static_cast<std::size_t>(INT_MAX)) throw std::length_error("vault: value too large");
	return static_cast<int>(n);
}

/// AES-256-GCM encryption of n bytes at in to out (n bytes), tag to tag.
void gcmSeal(const unsigned char* key, const unsigned char* nonce, const std::string& aad, const unsigned char* in,
             std::size_t n, unsigned char* out, unsigned char* tag)
{
	CipherContext context = newContext();
	EVP_CIPHER_CTX* ctx = context.get();
	int length = 0;
	bool ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
	          EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes), nullptr) == 1 &&
	          EVP_EncryptInit_ex(ctx, nullptr, nullptr, key, nonce) == 1 &&
	          EVP_EncryptUpdate(ctx, nullptr, &length, bytes(aad), checkedLength(aad.size())) == 1;
	if (ok && n > 0) ok = EVP_EncryptUpdate(ctx, out, &length, in, checkedLength(n)) == 1;
	if (ok) ok = EVP_EncryptFinal_ex(ctx, out + n, &length) == 1;
	if (ok) ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), tag) == 1;
	if (!ok) throw std::runtime_error("vault: encryption failed");
}

/// AES-256-GCM decryption of n bytes at in to out; false when the tag does
/// not match (out then holds no plaintext the caller may use; it wipes it).
bool gcmOpen(const unsigned char* key, const unsigned char* nonce, const std::string& aad, const unsigned char* in,
             std::size_t n, const unsigned char* tag, unsigned char* out)
{
	CipherContext context = newContext();
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

/// Checks the record's length and format; returns its key id.
std::uint32_t parseHeader(const std::string& record)
{
	if (record.size() < kMinRecordBytes || static_cast<unsigned char>(record[0]) != Envelope::kFormat)
		throw DecryptError(kCannotOpen);
	std::uint32_t id = 0;
	for (std::size_t i = 0; i < kKeyIdBytes; ++i) id = (id << 8) | static_cast<unsigned char>(record[kKeyIdOffset + i]);
	return id;
}

/// Unwraps the record's data key into dataKey. Throws KeyringError for an
/// unknown key id, DecryptError for anything else.
void unwrap(const Keyring& keyring, const std::string& identity, const std::string& record, DataKey& dataKey)
{
	const std::uint32_t keyId = parseHeader(record);
	const std::string& kek = keyring.key(keyId);
	if (!gcmOpen(bytes(kek), bytes(record, kWrapNonceOffset), wrapAad(keyId, identity),
	             bytes(record, kWrappedKeyOffset), kDataKeyBytes, bytes(record, kWrapTagOffset), dataKey.bytes))
		throw DecryptError(kCannotOpen);
}

/// Decrypts the record's value with dataKey into a new string; DecryptError
/// when its tag does not match.
std::string openValue(const DataKey& dataKey, const std::string& identity, const std::string& record)
{
	const std::size_t n = record.size() - kMinRecordBytes;
	std::string plaintext(n, '\0');
	if (!gcmOpen(dataKey.bytes, bytes(record, kValueNonceOffset), valueAad(identity), bytes(record, kValueOffset), n,
	             bytes(record, kValueOffset + n), bytes(plaintext)))
	{
		if (n > 0) OPENSSL_cleanse(&plaintext[0], n);
		throw DecryptError(kCannotOpen);
	}
	return plaintext;
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
	const std::uint32_t keyId = keyring.activeId();
	const std::string& kek = keyring.key(keyId);
	const std::size_t n = plaintext.size();
	checkedLength(n);

	std::string record(kMinRecordBytes + n, '\0');
	record[0] = static_cast<char>(kFormat);
	for (std::size_t i = 0; i < kKeyIdBytes; ++i)
		record[kKeyIdOffset + i] = static_cast<char>((keyId >> (8 * (kKeyIdBytes - 1 - i))) & 0xFF);

	DataKey dataKey;
	random(dataKey.bytes, kDataKeyBytes);
	random(bytes(record, kWrapNonceOffset), kNonceBytes);
	random(bytes(record, kValueNonceOffset), kNonceBytes);
	gcmSeal(bytes(kek), bytes(record, kWrapNonceOffset), wrapAad(keyId, identity), dataKey.bytes, kDataKeyBytes,
	        bytes(record, kWrappedKeyOffset), bytes(record, kWrapTagOffset));
	gcmSeal(dataKey.bytes, bytes(record, kValueNonceOffset), valueAad(identity), bytes(plaintext), n,
	        bytes(record, kValueOffset), bytes(record, kValueOffset + n));
	return record;
}

std::string Envelope::open(const Keyring& keyring, const std::string& identity, const std::string& record)
{
	DataKey dataKey;
	unwrap(keyring, identity, record, dataKey);
	return openValue(dataKey, identity, record);
}

std::string Envelope::rewrap(const Keyring& keyring, const std::string& identity, const std::string& record)
{
	DataKey dataKey;
	unwrap(keyring, identity, record, dataKey);
	// Check the value too, so that a damaged record is reported now rather
	// than carried to the new key; the plaintext is wiped at once.
	std::string plaintext = openValue(dataKey, identity, record);
	if (!plaintext.empty()) OPENSSL_cleanse(&plaintext[0], plaintext.size());

	const std::uint32_t keyId = keyring.activeId();
	const std::string& kek = keyring.key(keyId);
	std::string rewrapped(record);
	for (std::size_t i = 0; i < kKeyIdBytes; ++i)
		rewrapped[kKeyIdOffset + i] = static_cast<char>((keyId >> (8 * (kKeyIdBytes - 1 - i))) & 0xFF);
	random(bytes(rewrapped, kWrapNonceOffset), kNonceBytes);
	gcmSeal(bytes(kek), bytes(rewrapped, kWrapNonceOffset), wrapAad(keyId, identity), dataKey.bytes, kDataKeyBytes,
	        bytes(rewrapped, kWrappedKeyOffset), bytes(rewrapped, kWrapTagOffset));
	return rewrapped;
}

std::uint32_t Envelope::keyId(const std::string& record)
{
	return parseHeader(record);
}

} // namespace Vault
} // namespace Nexus
