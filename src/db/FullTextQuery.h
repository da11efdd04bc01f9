#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace Nexus {
namespace Db {

/// A full-text search (?query=) cut into words, and the words split by how
/// MariaDB can find them. Each resource keeps its own SQL, its own rule
/// (every word or any word) and its own error message naming its parameter.
///
/// Words are runs of letters, digits and '_', as InnoDB's full-text parser
/// cuts text: a non-ASCII character belongs to a word when it is a Unicode
/// letter, mark or number ("café", "हिन्दी", "データ"); anything else
/// separates (punctuation, quotes, symbols, emoji, spaces), so search
/// operators of either syntax never reach the database. Words are
/// lower-cased and kept once each, in query order.
///
/// A word is "indexed" when the InnoDB FULLTEXT index (utf8mb4) holds it:
/// minTokenChars to maxTokenChars characters (innodb_ft_min_token_size,
/// innodb_ft_max_token_size), not an InnoDB default stopword, and no
/// character beyond the Basic Multilingual Plane (which InnoDB reads as a
/// separator). Non-ASCII words are indexed like the others. The rest are
/// "scanned": the caller finds them in the text itself (LIKE, REGEXP).
class FullTextQuery
{
public:
	/// innodb_ft_min_token_size and innodb_ft_max_token_size at their defaults.
	static constexpr std::size_t kMinTokenChars = 3;
	static constexpr std::size_t kMaxTokenChars = 84;

	/// Throws std::invalid_argument, a message for the user that goes after
	/// the parameter's name ("has no word to search for ..."), when text is
	/// not valid UTF-8, longer than maxChars characters, holds a control
	/// character (tab aside), has no word or more than maxWords different
	/// words.
	static FullTextQuery parse(const std::string& text, std::size_t maxChars, std::size_t maxWords,
	                           std::size_t minTokenChars = kMinTokenChars, std::size_t maxTokenChars = kMaxTokenChars);

	/// The query as given, trimmed, each run of blanks one space.
	const std::string& text() const { return _text; }
	/// Every word, in query order.
	const std::vector<std::string>& words() const { return _words; }
	/// The words the index holds, and the others, in query order.
	const std::vector<std::string>& indexed() const { return _indexed; }
	const std::vector<std::string>& scanned() const { return _scanned; }

	/// The indexed words as a BOOLEAN MODE search, each as a prefix: every
	/// one required ("+ollama* +gpu*"), or any one, more ranking higher
	/// ("ollama* gpu*"). "" when no word is indexed.
	std::string requiredTerms() const;
	std::string anyTerms() const;

	/// s for LIKE with '\' as the escape character: %, _ and \ escaped.
	static std::string likeEscape(const std::string& s);
	/// A case-insensitive regular expression (PCRE, MariaDB's REGEXP) that
	/// finds any of words anywhere: "(?i)word1|word2"; "" when words is
	/// empty. Words from parse() need no quoting.
	static std::string regexPattern(const std::vector<std::string>& words);
	/// True for a word of InnoDB's default stopword list
	/// (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD); word in lower case.
	static bool isStopword(const std::string& word);

private:
	std::string _text;
	std::vector<std::string> _words;
	std::vector<std::string> _indexed;
	std::vector<std::string> _scanned;
};

} // namespace Db
} // namespace Nexus
