#include "sso/ReturnTo.h"

namespace Nexus {
namespace Sso {

std::optional<std::string> ReturnTo::check(const std::string& path)
{
	if (path.empty() || path.size() > kMaxLength || path[0] != '/') return std::nullopt;
	if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) return std::nullopt;
	for (unsigned char c : path)
		if (c <= 0x20 || c >= 0x7f || c == '\\') return std::nullopt;
	return path;
}

} // namespace Sso
} // namespace Nexus
