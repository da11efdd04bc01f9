#include "db/FullTextQuery.h"

#include "http/Json.h"

#include <Poco/String.h>
#include <Poco/TextIterator.h>
#include <Poco/UTF8Encoding.h>
#include <Poco/Unicode.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace Nexus {
namespace Db {

namespace {

/// The last code point of the Basic Multilingual Plane: InnoDB's parser
/// reads any character above it as a separator.
const int kMaxIndexedCodePoint = 0xFFFF;

bool isWordChar(int cp)
{
	if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_';
	Poco::Unicode::CharacterProperties properties;
	Poco::Unicode::properties(cp, properties);
	return properties.category == Poco::Unicode::UCP_LETTER || properties.category == Poco::Unicode::UCP_MARK ||
	       properties.category == Poco::Unicode::UCP_NUMBER;
}

/// The words as prefix terms of a boolean-mode query: "<prefix>word*", space-separated.
std::string prefixTerms(const std::vector<std::string>& words, const char* prefix)
{
	std::vector<std::string> terms;
	terms.reserve(words.size());
	for (const auto& w : words) terms.push_back(prefix + w + "*");
	return Poco::cat(std::string(" "), terms.begin(), terms.end());
}

/// text trimmed, each run of blanks (space, tab) one space.
std::string folded(const std::string& text)
{
	std::string out;
	std::size_t pos = 0;
	while (pos < text.size())
	{
		const auto start = text.find_first_not_of(" \t", pos);
		if (start == std::string::npos) break;
		auto end = text.find_first_of(" \t", start);
		if (end == std::string::npos) end = text.size();
		out += (out.empty() ? "" : " ") + text.substr(start, end - start);
		pos = end;
	}
	return out;
}

} // namespace

FullTextQuery FullTextQuery::parse(const std::string& text, std::size_t maxChars, std::size_t maxWords,
                                   std::size_t minTokenChars, std::size_t maxTokenChars)
{
	const auto length = Http::Json::utf8Length(text);
	if (!length) throw std::invalid_argument("is not valid UTF-8");
	if (*length > maxChars) throw std::invalid_argument("must be at most " + std::to_string(maxChars) + " characters");
	for (unsigned char c : text)
		if ((c < 0x20 && c != '\t') || c == 0x7F) throw std::invalid_argument("must not contain control characters");

	FullTextQuery query;
	query._text = folded(text);
	std::string word;
	std::size_t chars = 0;
	bool indexable = true; ///< no character the index reads as a separator
	auto add = [&]() {
		if (!word.empty() && std::find(query._words.begin(), query._words.end(), word) == query._words.end())
		{
			query._words.push_back(word);
			if (indexable && chars >= minTokenChars && chars <= maxTokenChars && !isStopword(word))
				query._indexed.push_back(word);
			else
				query._scanned.push_back(word);
		}
		word.clear();
		chars = 0;
		indexable = true;
	};
	Poco::UTF8Encoding utf8;
	for (Poco::TextIterator it(text, utf8), end(text); it != end; ++it)
	{
		const int cp = *it;
		if (!isWordChar(cp))
		{
			add();
			continue;
		}
		unsigned char bytes[4];
		const int n = utf8.convert(Poco::Unicode::toLower(cp), bytes, sizeof bytes);
		word.append(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(n));
		++chars;
		if (cp > kMaxIndexedCodePoint) indexable = false;
	}
	add();
	if (query._words.empty()) throw std::invalid_argument("has no word to search for (letters or digits)");
	if (query._words.size() > maxWords)
		throw std::invalid_argument("may hold at most " + std::to_string(maxWords) + " words");
	return query;
}

std::string FullTextQuery::requiredTerms() const
{
	return prefixTerms(_indexed, "+");
}

std::string FullTextQuery::anyTerms() const
{
	return prefixTerms(_indexed, "");
}

std::string FullTextQuery::likeEscape(const std::string& s)
{
	std::string out;
	for (char c : s)
	{
		if (c == '%' || c == '_' || c == '\\') out += '\\';
		out += c;
	}
	return out;
}

std::string FullTextQuery::regexPattern(const std::vector<std::string>& words)
{
	std::string p;
	for (const auto& word : words) p += (p.empty() ? "(?i)" : "|") + word;
	return p;
}

bool FullTextQuery::isStopword(const std::string& word)
{
	// INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD (MySQL and MariaDB).
	static const std::set<std::string> kStopwords = {
	    "a",    "about", "an",  "are",  "as",   "at",    "be",  "by",   "com",  "de",  "en",   "for",
	    "from", "how",   "i",   "in",   "is",   "it",    "la",  "of",   "on",   "or",  "that", "the",
	    "this", "to",    "was", "what", "when", "where", "who", "will", "with", "und", "www"};
	return kStopwords.count(word) > 0;
}

} // namespace Db
} // namespace Nexus
