#include "memories/Snippet.h"

#include <algorithm>

namespace Nexus {
namespace Memories {

namespace {

const char* const kEllipsis = "\u2026";
// How far (in code points) an end may move to land on white space.
const std::size_t kSnapChars = 20;

bool isSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// The byte offset where each code point of text starts, plus text.size().
/// A byte that cannot start a UTF-8 sequence counts as one code point.
std::vector<std::size_t> codePoints(const std::string& text)
{
	std::vector<std::size_t> starts;
	starts.reserve(text.size() + 1);
	for (std::size_t i = 0; i < text.size(); ++i)
		if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 || starts.empty()) starts.push_back(i);
	starts.push_back(text.size());
	return starts;
}

std::string lowerAscii(std::string s)
{
	for (char& c : s)
		if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
	return s;
}

} // namespace

std::string Snippet::make(const std::string& text, const std::vector<std::string>& words, bool clippedStart,
                          bool clippedEnd, std::size_t maxChars)
{
	const std::vector<std::size_t> starts = codePoints(text);
	const std::size_t n = starts.size() - 1;

	// The first match, as code point positions [matchFrom, matchTo).
	const std::string lower = lowerAscii(text);
	std::size_t matchByte = std::string::npos, matchBytes = 0;
	for (const auto& word : words)
	{
		const std::size_t at = word.empty() ? std::string::npos : lower.find(lowerAscii(word));
		if (at < matchByte) matchByte = at, matchBytes = word.size();
	}
	if (matchByte == std::string::npos) matchByte = 0;
	auto cpAt = [&starts](std::size_t byte) {
		return static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), byte) - starts.begin()) - 1;
	};
	const std::size_t matchFrom = cpAt(matchByte);
	const std::size_t matchTo = std::min(n, cpAt(matchByte + matchBytes));

	std::size_t from = 0, to = n;
	if (n > maxChars)
	{
		from = matchFrom > maxChars / 3 ? matchFrom - maxChars / 3 : 0;
		to = std::min(n, from + maxChars);
		from = to - maxChars;
		if (from > 0)
			for (std::size_t i = from; i < std::min(from + kSnapChars, matchFrom); ++i)
				if (isSpace(text[starts[i]]))
				{
					from = i + 1;
					break;
				}
		if (to < n)
			for (std::size_t i = to; i > std::max(to > kSnapChars ? to - kSnapChars : 0, matchTo); --i)
				if (isSpace(text[starts[i]]))
				{
					to = i;
					break;
				}
	}

	std::string out;
	if (from > 0 || clippedStart) out += kEllipsis;
	bool space = false;
	for (std::size_t i = starts[from]; i < starts[to]; ++i)
	{
		if (isSpace(text[i]))
		{
			space = true;
			continue;
		}
		if (space && !out.empty() && out != kEllipsis) out += ' ';
		space = false;
		out += text[i];
	}
	if (to < n || clippedEnd) out += kEllipsis;
	return out;
}

} // namespace Memories
} // namespace Nexus
