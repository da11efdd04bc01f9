#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace Nexus {
namespace Knowledge {

/// A knowledge search (?query=) split into the words the store looks for.
///
/// Words are runs of letters, digits and '_' (any non-ASCII character
/// counts as a letter), as MySQL's full-text parser splits text. Every word
/// must match (in the title, the content, the name, the tags, the links or
/// a spec value), as a prefix: "oll" finds "ollama". A word the full-text
/// index can find (at least innodb_ft_min_token_size characters, at most
/// innodb_ft_max_token_size, not an InnoDB stopword) goes to the index;
/// the others ("ai", "k8", "the") are matched with LIKE.
class SearchQuery
{
public:
	static constexpr std::size_t kMaxChars = 200;
	static constexpr std::size_t kMaxWords = 12;

	/// Throws std::invalid_argument (a message for the user) when text is
	/// longer than kMaxChars, not UTF-8, holds control characters, has no
	/// word or more than kMaxWords.
	static SearchQuery parse(const std::string& text, std::size_t minTokenChars = 3, std::size_t maxTokenChars = 84);

	/// The query trimmed, runs of white space as one space.
	const std::string& text() const { return _text; }
	/// Every word, in order, without repeats (ASCII case ignored).
	const std::vector<std::string>& words() const { return _words; }
	/// The words the full-text index can find, and the others.
	const std::vector<std::string>& fulltextWords() const { return _fulltextWords; }
	const std::vector<std::string>& likeWords() const { return _likeWords; }

	/// The BOOLEAN MODE search that requires every full-text word as a
	/// prefix ("+ollama* +gpu*"), and the one that scores any of them
	/// ("ollama* gpu*"); "" when there is no full-text word.
	std::string requiredTerms() const;
	std::string anyTerms() const;

	/// s for LIKE with '\' as the escape character: %, _ and \ escaped.
	static std::string likeEscape(const std::string& s);
	/// True for the words of InnoDB's default full-text stopword list
	/// (lower-case ASCII).
	static bool isStopword(const std::string& word);

private:
	std::string _text;
	std::vector<std::string> _words;
	std::vector<std::string> _fulltextWords;
	std::vector<std::string> _likeWords;
};

} // namespace Knowledge
} // namespace Nexus
