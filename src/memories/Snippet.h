#pragma once

#include <string>
#include <vector>

namespace Nexus {
namespace Memories {

/// The short excerpt of an entry that a search hit shows.
class Snippet
{
public:
	static const std::size_t kMaxChars = 160;

	/// At most maxChars code points of text around the first place where one
	/// of words occurs (ignoring ASCII case; from the start of text when none
	/// does), cut at white space near either end when there is some, with
	/// every run of white space (line breaks included) shown as one space,
	/// and "…" at an end where the entry goes on. clippedStart, clippedEnd:
	/// text is itself a window of a longer entry, which goes on before or
	/// after it. Never holds anything that is not in text, but for the "…".
	static std::string make(const std::string& text, const std::vector<std::string>& words, bool clippedStart,
	                        bool clippedEnd, std::size_t maxChars = kMaxChars);
};

} // namespace Memories
} // namespace Nexus
