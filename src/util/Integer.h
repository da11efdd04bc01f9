#pragma once

#include <optional>
#include <string>

namespace Nexus {

/// Strict decimal integers for input from outside (query strings, headers,
/// config, file names): an optional '-' and digits, nothing else; no
/// spaces, '+', thousands separators or overflow (unlike Poco::NumberParser,
/// which accepts "1,6" as 16).
std::optional<long long> parseInteger(const std::string& text);

} // namespace Nexus
