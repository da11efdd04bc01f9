#include "http/Validate.h"

namespace Nexus {
namespace Http {

namespace {

bool isLowerAlnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool isAlnum(char c)
{
	return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

} // namespace

bool Validate::slug(const std::string& s)
{
	if (s.empty() || s.size() > 63 || !isLowerAlnum(s[0])) return false;
	for (char c : s)
		if (!isLowerAlnum(c) && c != '-') return false;
	return true;
}

bool Validate::word(const std::string& s, std::size_t maxLength)
{
	if (s.empty() || s.size() > maxLength || !isAlnum(s[0])) return false;
	for (char c : s)
		if (!isAlnum(c) && c != '_' && c != '.' && c != '-') return false;
	return true;
}

bool Validate::path(const std::string& s, std::size_t maxLength)
{
	if (s.empty() || s.size() > maxLength || !isAlnum(s[0]) || s.back() == '/') return false;
	std::size_t start = 0;
	while (start <= s.size())
	{
		auto end = s.find('/', start);
		if (end == std::string::npos) end = s.size();
		const std::string segment = s.substr(start, end - start);
		if (segment.empty() || segment == "." || segment == "..") return false;
		for (char c : segment)
			if (!isAlnum(c) && c != '_' && c != '.' && c != '-') return false;
		start = end + 1;
	}
	return true;
}

bool Validate::modelId(const std::string& s)
{
	if (s.size() > kMaxModelIdLength) return false;
	std::size_t parts = 0;
	std::size_t start = 0;
	while (start <= s.size())
	{
		auto end = s.find('/', start);
		if (end == std::string::npos) end = s.size();
		const std::string part = s.substr(start, end - start);
		if (part.empty() || part == "." || part == "..") return false;
		for (char c : part)
			if (!isAlnum(c) && c != '_' && c != '.' && c != '-' && c != ':') return false;
		++parts;
		start = end + 1;
	}
	return parts >= 2;
}

} // namespace Http
} // namespace Nexus
