#pragma once

#include <cstddef>
#include <string>

namespace Nexus {

/// Lower-case hexadecimal, two digits per byte (token hashes, request ids,
/// temporary file names).
class Hex
{
public:
	static std::string encode(const unsigned char* data, std::size_t size);
	static std::string encode(const std::string& data);
};

/// SHA-256 digests, as the tokens and the audit chain store them.
class Digest
{
public:
	/// SHA-256 of data as 64 lower-case hex digits (Poco::SHA2Engine).
	static std::string sha256Hex(const std::string& data);

	/// HMAC-SHA-256 (RFC 2104) of data under key: 32 raw bytes. The caller
	/// wipes a result that is itself a key.
	static std::string hmacSha256(const std::string& key, const std::string& data);
	/// The same as 64 lower-case hex digits.
	static std::string hmacSha256Hex(const std::string& key, const std::string& data);

	/// Appends field as a netstring ("<byte length in decimal>:<bytes>,"),
	/// the framing of every MACed or hashed message: no two sequences of
	/// fields frame to the same bytes.
	static void appendNetstring(std::string& out, const std::string& field);
};

} // namespace Nexus
