#include "memories/SearchQuery.h"

#include "http/HttpError.h"
#include "http/Json.h"

#include <Poco/TextIterator.h>
#include <Poco/UTF8Encoding.h>
#include <Poco/Unicode.h>

#include <algorithm>
#include <set>

namespace Nexus {
namespace Memories {

namespace {

// innodb_ft_min_token_size and innodb_ft_max_token_size at their defaults.
const std::size_t kMinIndexedChars = 3;
const std::size_t kMaxIndexedChars = 84;

bool isWordChar(int cp)
{
	return cp == '_' || Poco::Unicode::isAlpha(cp) || Poco::Unicode::isDigit(cp);
}

bool isAscii(const std::string& word)
{
	return std::all_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

} // namespace

bool SearchQuery::isStopWord(const std::string& word)
{
	// INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD
	static const std::set<std::string> kStopWords = {
	    "a",    "about", "an",  "are",  "as",   "at",    "be",  "by",   "com",  "de",  "en",   "for",
	    "from", "how",   "i",   "in",   "is",   "it",    "la",  "of",   "on",   "or",  "that", "the",
	    "this", "to",    "was", "what", "when", "where", "who", "will", "with", "und", "www"};
	return kStopWords.count(word) > 0;
}

SearchQuery SearchQuery::parse(const std::string& text)
{
	const auto length = Http::Json::utf8Length(text);
	if (!length) throw Http::BadRequest("query parameter 'query' must be valid UTF-8");
	if (*length > kMaxChars)
		throw Http::BadRequest("query parameter 'query' must be at most " + std::to_string(kMaxChars) + " characters");

	SearchQuery query;
	auto add = [&query](const std::string& word) {
		if (word.empty() || std::find(query._words.begin(), query._words.end(), word) != query._words.end()) return;
		query._words.push_back(word);
		const std::size_t chars = Http::Json::utf8Length(word).value_or(0);
		if (isAscii(word) && chars >= kMinIndexedChars && chars <= kMaxIndexedChars && !isStopWord(word))
			query._indexed.push_back(word);
		else
			query._scanned.push_back(word);
	};
	Poco::UTF8Encoding utf8;
	std::string word;
	for (Poco::TextIterator it(text, utf8), end(text); it != end; ++it)
	{
		if (!isWordChar(*it))
		{
			add(word);
			word.clear();
			continue;
		}
		unsigned char bytes[4];
		const int n = utf8.convert(Poco::Unicode::toLower(*it), bytes, sizeof bytes);
		word.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(n));
	}
	add(word);
	if (query._words.empty())
		throw Http::BadRequest("query parameter 'query' must hold at least one word (letters or digits)");
	if (query._words.size() > kMaxWords)
		throw Http::BadRequest("query parameter 'query' may hold at most " + std::to_string(kMaxWords) + " words");
	return query;
}

std::string SearchQuery::booleanQuery() const
{
	std::string q;
	for (const auto& word : _indexed) q += (q.empty() ? "" : " ") + word + "*";
	return q;
}

std::string SearchQuery::pattern(const std::vector<std::string>& words)
{
	std::string p;
	for (const auto& word : words) p += (p.empty() ? "(?i)" : "|") + word;
	return p;
}

} // namespace Memories
} // namespace Nexus
