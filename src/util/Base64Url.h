#pragma once

#include <optional>
#include <string>

namespace Nexus {

/// Unpadded base64url (RFC 4648 section 5), for tokens and page cursors.
class Base64Url
{
public:
	static std::string encode(const std::string& data);
	/// std::nullopt when text holds a character outside the alphabet or has an impossible length.
	static std::optional<std::string> decode(const std::string& text);
};

} // namespace Nexus
