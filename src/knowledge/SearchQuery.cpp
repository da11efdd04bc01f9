#include "knowledge/SearchQuery.h"

#include "http/Json.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace Nexus {
namespace Knowledge {

namespace {

bool isWordByte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

std::string lowerAscii(std::string s)
{
	std::transform(s.begin(), s.end(), s.begin(),
	               [](unsigned char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
	return s;
}

std::string join(const std::vector<std::string>& words, const char* prefix)
{
	std::string s;
	for (const auto& w : words) s += (s.empty() ? "" : " ") + std::string(prefix) + w + "*";
	return s;
}

} // namespace

SearchQuery SearchQuery::parse(const std::string& text, std::size_t minTokenChars, std::size_t maxTokenChars)
{
	const auto length = Http::Json::utf8Length(text);
	if (!length) throw std::invalid_argument("is not valid UTF-8");
	if (*length > kMaxChars)
		throw std::invalid_argument("must be at most " + std::to_string(kMaxChars) + " characters");
	for (unsigned char c : text)
		if ((c < 0x20 && c != '\t') || c == 0x7F) throw std::invalid_argument("must not contain control characters");

	SearchQuery q;
	std::set<std::string> seen;
	std::size_t i = 0;
	while (i < text.size())
	{
		while (i < text.size() && !isWordByte(static_cast<unsigned char>(text[i]))) ++i;
		const std::size_t start = i;
		while (i < text.size() && isWordByte(static_cast<unsigned char>(text[i]))) ++i;
		if (i == start) continue;
		std::string word = text.substr(start, i - start);
		if (!seen.insert(lowerAscii(word)).second) continue;
		q._words.push_back(word);
	}
	if (q._words.empty()) throw std::invalid_argument("has no word to search for (letters or digits)");
	if (q._words.size() > kMaxWords)
		throw std::invalid_argument("may hold at most " + std::to_string(kMaxWords) + " words");
	for (const auto& word : q._words)
	{
		const std::size_t chars = Http::Json::utf8Length(word).value_or(0);
		if (chars >= minTokenChars && chars <= maxTokenChars && !isStopword(lowerAscii(word)))
			q._fulltextWords.push_back(word);
		else
			q._likeWords.push_back(word);
	}

	std::size_t pos = 0;
	while (pos < text.size())
	{
		const auto start = text.find_first_not_of(" \t", pos);
		if (start == std::string::npos) break;
		auto end = text.find_first_of(" \t", start);
		if (end == std::string::npos) end = text.size();
		q._text += (q._text.empty() ? "" : " ") + text.substr(start, end - start);
		pos = end;
	}
	return q;
}

std::string SearchQuery::requiredTerms() const
{
	return join(_fulltextWords, "+");
}

std::string SearchQuery::anyTerms() const
{
	return join(_fulltextWords, "");
}

std::string SearchQuery::likeEscape(const std::string& s)
{
	std::string out;
	for (char c : s)
	{
		if (c == '%' || c == '_' || c == '\\') out += '\\';
		out += c;
	}
	return out;
}

bool SearchQuery::isStopword(const std::string& word)
{
	// INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD (MySQL and MariaDB).
	static const std::set<std::string> kStopwords = {
	    "a",    "about", "an",  "are",  "as",   "at",    "be",  "by",   "com",  "de",  "en",   "for",
	    "from", "how",   "i",   "in",   "is",   "it",    "la",  "of",   "on",   "or",  "that", "the",
	    "this", "to",    "was", "what", "when", "where", "who", "will", "with", "und", "www"};
	return kStopwords.count(word) > 0;
}

} // namespace Knowledge
} // namespace Nexus
