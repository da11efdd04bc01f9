#pragma once

#include <string>
#include <vector>

namespace Nexus {
namespace Memories {

/// The words of a memory search, split by how the database can find them.
///
/// The query is cut into words (runs of Unicode letters, digits and '_';
/// anything else separates), lower-cased and de-duplicated. Words the InnoDB
/// full-text index holds (3 to 84 ASCII characters, not one of its default
/// stop words) are "indexed" and matched as prefixes through the index
/// (MATCH ... AGAINST 'word*' IN BOOLEAN MODE, ranked by relevance); the
/// rest (short words such as "db", stop words such as "the", words with
/// non-ASCII letters) are "scanned": found anywhere in the text by a
/// regular expression, which reads every candidate entry, so such queries
/// are slower. A word never carries an operator of either syntax.
class SearchQuery
{
public:
	static const std::size_t kMaxChars = 200;
	static const std::size_t kMaxWords = 16;

	/// Throws Http::BadRequest naming the parameter 'query' when text is not
	/// valid UTF-8, longer than kMaxChars, has no word or more than kMaxWords.
	static SearchQuery parse(const std::string& text);

	/// Every word, in query order.
	const std::vector<std::string>& words() const { return _words; }
	const std::vector<std::string>& indexed() const { return _indexed; }
	const std::vector<std::string>& scanned() const { return _scanned; }

	/// The indexed words as a boolean-mode full-text query: "word1* word2*"
	/// (any may match; more matches rank higher). Empty when none.
	std::string booleanQuery() const;

	/// A case-insensitive regular expression (PCRE, MariaDB's REGEXP) that
	/// finds any of words anywhere: "(?i)word1|word2". Empty when words is.
	/// Words from parse() hold only letters, digits and '_', so nothing needs
	/// quoting.
	static std::string pattern(const std::vector<std::string>& words);

	/// True for a word the full-text index skips (InnoDB's default stop words).
	static bool isStopWord(const std::string& word);

private:
	std::vector<std::string> _words;
	std::vector<std::string> _indexed;
	std::vector<std::string> _scanned;
};

} // namespace Memories
} // namespace Nexus
