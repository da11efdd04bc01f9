#include "util/Utf8.h"

namespace Nexus {
namespace Utf8 {

std::size_t sequenceAt(const std::string& s, std::size_t i)
{
	const auto c = static_cast<unsigned char>(s[i]);
	std::size_t n;
	unsigned cp;
	if (c < 0x80)
		return 1;
	else if ((c & 0xE0) == 0xC0)
	{
		n = 2;
		cp = c & 0x1F;
	}
	else if ((c & 0xF0) == 0xE0)
	{
		n = 3;
		cp = c & 0x0F;
	}
	else if ((c & 0xF8) == 0xF0)
	{
		n = 4;
		cp = c & 0x07;
	}
	else
		return 0;
	if (i + n > s.size()) return 0;
	for (std::size_t k = 1; k < n; ++k)
	{
		const auto cc = static_cast<unsigned char>(s[i + k]);
		if ((cc & 0xC0) != 0x80) return 0;
		cp = (cp << 6) | (cc & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

} // namespace Utf8
} // namespace Nexus
