#include "util/Integer.h"

#include <charconv>

namespace Nexus {

std::optional<long long> parseInteger(const std::string& text)
{
	long long value = 0;
	const char* first = text.data();
	const char* last = text.data() + text.size();
	if (first == last || (*first == '-' && text.size() == 1)) return std::nullopt;
	const auto [end, error] = std::from_chars(first, last, value);
	if (error != std::errc() || end != last) return std::nullopt;
	return value;
}

} // namespace Nexus
