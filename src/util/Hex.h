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
};

} // namespace Nexus
