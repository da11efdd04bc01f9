#pragma once

#include <optional>
#include <string>

namespace Nexus {
namespace Sso {

/// Where a browser goes back to after signing in: only a path on this
/// site, so that /api/auth/login?return_to= is no open redirect.
class ReturnTo
{
public:
	/// The longest return_to kept (the login state's column).
	static constexpr std::size_t kMaxLength = 2048;

	/// Where to go when the request names nowhere.
	static constexpr const char* kDefault = "/";

	/// path when it is a same-site relative path: it starts with '/' but not
	/// with "//" or "/\" (which browsers take for another host), and holds
	/// only printable ASCII without '\' (no control character, so nothing
	/// can end the Location header); nullopt otherwise.
	static std::optional<std::string> check(const std::string& path);
};

} // namespace Sso
} // namespace Nexus
