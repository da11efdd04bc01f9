#pragma once

#include <string>

namespace Nexus {
namespace Auth {

/// Agent tokens: "nxa_" followed by 256 random bits in unpadded base64url.
/// Only the SHA-256 (lower-case hex, Digest::sha256Hex) of a token is ever stored.
class Token
{
public:
	static constexpr const char* kAgentPrefix = "nxa_";

	/// A fresh agent token from the OpenSSL CSPRNG. Throws std::runtime_error
	/// if the generator fails.
	static std::string generateAgentToken();

	/// True when s is 64 lower-case hex digits (a token hash as the API takes it).
	static bool isHash(const std::string& s);

	/// Compares two strings in time that depends only on their lengths.
	static bool constantTimeEquals(const std::string& a, const std::string& b);
};

} // namespace Auth
} // namespace Nexus
