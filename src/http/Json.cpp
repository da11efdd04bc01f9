#include "http/Json.h"

#include "http/HttpError.h"
#include "http/Request.h"
#include "util/Utf8.h"
#include "util/Wiper.h"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>

#include <algorithm>
#include <sstream>

namespace Nexus {
namespace Http {
namespace Json {

namespace {
const std::size_t kMaxDepth = 32;
}

std::string stringify(const Poco::JSON::Object& object)
{
	std::ostringstream out;
	object.stringify(out);
	return validUtf8(out.str());
}

std::string stringify(const Poco::JSON::Array& array)
{
	std::ostringstream out;
	array.stringify(out);
	return validUtf8(out.str());
}

std::string quote(const std::string& s)
{
	// What Poco::JSON::Stringifier does with a string value of an object
	// made by object() (no JSON_ESCAPE_UNICODE).
	return validUtf8(Poco::toJSON(s, Poco::JSON_WRAP_STRINGS));
}

namespace {

/// The escape of byte c in a JSON string as quote() writes it, or nullptr
/// when c stands for itself. hex holds "\\u00XX" for other control bytes.
const char* escapeOf(unsigned char c, char (&hex)[7])
{
	switch (c)
	{
	case '"': return "\\\"";
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	default: break;
	}
	if (c >= 0x20) return nullptr;
	static const char* const kDigits = "0123456789ABCDEF";
	hex[0] = '\\';
	hex[1] = 'u';
	hex[2] = '0';
	hex[3] = '0';
	hex[4] = kDigits[c >> 4];
	hex[5] = kDigits[c & 0xF];
	hex[6] = '\0';
	return hex;
}

/// Walks quote(s) piece by piece: emit(data, size) for each.
template <typename Emit> void quotedPieces(const std::string& s, Emit&& emit)
{
	static const char kReplacement[] = "\xEF\xBF\xBD"; // U+FFFD, for a byte that is not UTF-8
	emit("\"", 1);
	char hex[7];
	for (std::size_t i = 0; i < s.size();)
	{
		const std::size_t n = Utf8::sequenceAt(s, i);
		if (n == 0)
			emit(kReplacement, 3);
		else if (n > 1)
			emit(&s[i], n);
		else if (const char* escape = escapeOf(static_cast<unsigned char>(s[i]), hex))
			emit(escape, std::char_traits<char>::length(escape));
		else
			emit(&s[i], 1);
		i += n == 0 ? 1 : n;
	}
	emit("\"", 1);
}

} // namespace

void appendQuoted(std::string& out, const std::string& s)
{
	quotedPieces(s, [&out](const char* data, std::size_t size) { out.append(data, size); });
}

std::size_t quotedSize(const std::string& s)
{
	std::size_t size = 0;
	quotedPieces(s, [&size](const char*, std::size_t n) { size += n; });
	return size;
}

Poco::JSON::Object::Ptr object()
{
	return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

Poco::JSON::Array::Ptr array(const std::vector<std::string>& items)
{
	Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
	for (const auto& item : items) a->add(item);
	return a;
}

bool belowExactNegative(const std::string& digits)
{
	const std::string kLimit = "9007199254740992"; // 2^53
	const std::size_t first = digits.find_first_not_of('0');
	if (first == std::string::npos) return false;
	const std::size_t length = digits.size() - first;
	if (length != kLimit.size()) return length > kLimit.size();
	return digits.compare(first, length, kLimit) > 0;
}

Poco::Dynamic::Var parseStored(const std::string& text)
{
	Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
	return parser.parse(text);
}

namespace {

/// What is wrong with an integer literal of the JSON text (outside its
/// strings), or "" when nothing is:
/// - longer than kMaxIntegerDigits: Poco's parser silently wraps such
///   numbers (2^64 + 1 reads as 1);
/// - negative and below -2^53: Poco's parser reads it through a double, so
///   -4999999999999999999 would come out as -5000000000000000000 (found by
///   t/fuzz/knowledge_yaml; positive ones up to 19 digits read exactly).
/// Such numbers are refused before the parser sees them. Digits after a
/// '.' or an exponent belong to a float and may run on.
std::string integerProblem(const std::string& text)
{
	const std::size_t kMaxIntegerDigits = 19; // below 10^19 every value fits in 64 bits
	bool inString = false;
	bool escaped = false;
	bool fraction = false;
	bool negative = false;
	std::size_t start = 0;
	std::size_t digits = 0;
	const auto tooNegative = [&](std::size_t end) {
		return negative && !fraction && Json::belowExactNegative(text.substr(start, end - start));
	};
	for (std::size_t i = 0; i < text.size(); ++i)
	{
		const char c = text[i];
		if (inString)
		{
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				inString = false;
			continue;
		}
		if (c >= '0' && c <= '9')
		{
			if (digits == 0) start = i;
			if (!fraction && ++digits > kMaxIntegerDigits)
				return "an integer has more than 19 digits (too large for any field)";
			continue;
		}
		const bool floatFollows = c == '.' || c == 'e' || c == 'E';
		if (digits > 0 && !floatFollows && tooNegative(i)) break;
		fraction = (c == '.' || c == 'e' || c == 'E') || (fraction && (c == '+' || c == '-'));
		negative = c == '-' && !fraction;
		digits = 0;
		if (c == '"') inString = true;
	}
	if (digits > 0 && tooNegative(start + digits))
		return "the integer -" + text.substr(start, digits) +
		       " is below -9007199254740992 (-2^53) and cannot be stored exactly; quote it to keep it as text";
	return "";
}

} // namespace

namespace {

/// True when an object key of the JSON text holds the escape \u0000. Poco
/// hands such a key to its handler cut at the NUL ({"k\u0000ey":1} would be
/// {"k":1}), so the text is looked at before it is parsed: each string
/// literal, and whether a ':' follows it.
bool keyHoldsNul(const std::string& text)
{
	if (text.find("\\u0000") == std::string::npos) return false;
	for (std::size_t i = 0; i < text.size(); ++i)
	{
		if (text[i] != '"') continue;
		bool nul = false;
		std::size_t j = i + 1;
		for (; j < text.size() && text[j] != '"'; ++j)
		{
			if (text[j] != '\\') continue;
			if (text.compare(j, 6, "\\u0000") == 0) nul = true;
			++j; // the escaped character
		}
		std::size_t k = j + 1;
		while (k < text.size() && (text[k] == ' ' || text[k] == '\t' || text[k] == '\n' || text[k] == '\r')) ++k;
		if (nul && k < text.size() && text[k] == ':') return true;
		i = j;
	}
	return false;
}

/// Poco's handler (the tree parseObject returns) with the check it lacks,
/// as the strictest parsers have it: a key that appears twice in one object
/// (Poco keeps the last value) is refused.
class StrictHandler : public Poco::JSON::ParseHandler
{
public:
	void reset() override
	{
		ParseHandler::reset();
		_keys.clear();
	}
	void startObject() override
	{
		ParseHandler::startObject();
		_keys.emplace_back();
	}
	void endObject() override
	{
		ParseHandler::endObject();
		if (!_keys.empty()) _keys.pop_back();
	}
	void key(const std::string& k) override
	{
		if (!_keys.empty() && !_keys.back().insert(k).second)
			throw BadRequest("malformed JSON: the key '" + k.substr(0, 64) + "' appears twice in one object");
		ParseHandler::key(k);
	}

private:
	std::vector<std::set<std::string>> _keys;
};

} // namespace

Poco::JSON::Object::Ptr parseObject(const Request& request, bool allowEmpty)
{
	if (request.body().empty())
	{
		if (allowEmpty) return object();
		throw BadRequest("request body is empty; expected a JSON object");
	}
	if (request.mediaType() != "application/json") throw UnsupportedMediaType("request body must be application/json");
	if (const std::string charset = request.charset(); !charset.empty() && charset != "utf-8" && charset != "utf8")
		throw UnsupportedMediaType("request body must be UTF-8 JSON; charset=" + charset.substr(0, 32) +
		                           " is not supported");
	if (!utf8Length(request.body())) throw BadRequest("malformed JSON: body is not valid UTF-8");
	if (const std::string problem = integerProblem(request.body()); !problem.empty())
		throw BadRequest("malformed JSON: " + problem);

	if (keyHoldsNul(request.body())) throw BadRequest("malformed JSON: an object key contains NUL (\\u0000)");
	Poco::JSON::Parser parser(new StrictHandler);
	parser.setDepth(kMaxDepth);
	Poco::Dynamic::Var result;
	try
	{
		result = parser.parse(request.body());
	}
	catch (const Poco::Exception& e)
	{
		throw BadRequest("malformed JSON: " + e.message());
	}
	if (result.type() != typeid(Poco::JSON::Object::Ptr)) throw BadRequest("request body must be a JSON object");
	return result.extract<Poco::JSON::Object::Ptr>();
}

std::optional<std::size_t> utf8Length(const std::string& s)
{
	std::size_t count = 0;
	for (std::size_t i = 0; i < s.size(); ++count)
	{
		const std::size_t n = Utf8::sequenceAt(s, i);
		if (n == 0) return std::nullopt;
		i += n;
	}
	return count;
}

std::string validUtf8(std::string s)
{
	std::size_t i = 0;
	for (std::size_t n; i < s.size() && (n = Utf8::sequenceAt(s, i)) != 0;) i += n;
	if (i == s.size()) return s; // the common case: nothing to replace, no copy
	std::string out = s.substr(0, i);
	out.reserve(s.size() + 16);
	while (i < s.size())
	{
		const std::size_t n = Utf8::sequenceAt(s, i);
		if (n == 0)
		{
			out += "\xEF\xBF\xBD"; // U+FFFD REPLACEMENT CHARACTER, for one byte that is not UTF-8
			++i;
		}
		else
		{
			out.append(s, i, n);
			i += n;
		}
	}
	return out;
}

} // namespace Json

Fields::Fields(Poco::JSON::Object::Ptr object, std::initializer_list<const char*> allowed): _object(std::move(object))
{
	const std::set<std::string> names(allowed.begin(), allowed.end());
	for (const auto& entry : *_object)
		if (!names.count(entry.first)) throw BadRequest("unknown field '" + entry.first + "'");
}

bool Fields::has(const std::string& name) const
{
	return _object->has(name) && !_object->isNull(name);
}

std::string Fields::string(const std::string& name, std::size_t minChars, std::size_t maxChars) const
{
	auto value = optionalString(name, maxChars);
	if (!value) throw BadRequest("field '" + name + "' is required");
	if (Json::utf8Length(*value).value_or(0) < minChars)
		throw BadRequest("field '" + name + "' must not be shorter than " + std::to_string(minChars) + " characters");
	return *value;
}

std::optional<std::string> Fields::optionalString(const std::string& name, std::size_t maxChars) const
{
	if (!has(name)) return std::nullopt;
	const Poco::Dynamic::Var value = _object->get(name);
	if (!value.isString()) throw BadRequest("field '" + name + "' must be a string");
	std::string s = value.extract<std::string>();
	const auto length = Json::utf8Length(s);
	if (!length) throw BadRequest("field '" + name + "' is not valid UTF-8");
	if (*length > maxChars)
		throw BadRequest("field '" + name + "' must be at most " + std::to_string(maxChars) + " characters");
	if (s.find('\0') != std::string::npos) throw BadRequest("field '" + name + "' must not contain NUL characters");
	return s;
}

std::optional<std::vector<std::string>> Fields::optionalStringArray(const std::string& name, std::size_t maxItems,
                                                                    std::size_t maxChars) const
{
	if (!has(name)) return std::nullopt;
	auto array = _object->getArray(name);
	if (!array) throw BadRequest("field '" + name + "' must be an array of strings");
	if (array->size() > maxItems)
		throw BadRequest("field '" + name + "' may hold at most " + std::to_string(maxItems) + " items");
	std::vector<std::string> items;
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
		const std::string where = "field '" + name + "' item " + std::to_string(i);
		if (!item.isString()) throw BadRequest(where + " must be a string");
		std::string s = item.extract<std::string>();
		const auto length = Json::utf8Length(s);
		if (!length || *length == 0 || *length > maxChars)
			throw BadRequest(where + " must be 1 to " + std::to_string(maxChars) + " characters of valid UTF-8");
		for (unsigned char c : s)
			if (c < 0x20 || c == 0x7F) throw BadRequest(where + " must not contain control characters");
		if (std::find(items.begin(), items.end(), s) == items.end()) items.push_back(std::move(s));
	}
	return items;
}

Poco::JSON::Object::Ptr Fields::optionalObject(const std::string& name) const
{
	if (!has(name)) return nullptr;
	auto object = _object->getObject(name);
	if (!object) throw BadRequest("field '" + name + "' must be an object");
	return object;
}

Poco::JSON::Array::Ptr Fields::optionalArray(const std::string& name) const
{
	if (!has(name)) return nullptr;
	auto array = _object->getArray(name);
	if (!array) throw BadRequest("field '" + name + "' must be an array");
	return array;
}

std::optional<bool> Fields::optionalBool(const std::string& name) const
{
	if (!has(name)) return std::nullopt;
	const Poco::Dynamic::Var value = _object->get(name);
	if (value.type() != typeid(bool)) throw BadRequest("field '" + name + "' must be true or false");
	return value.extract<bool>();
}

std::optional<std::string> Fields::takeSecret(const std::string& name) const
{
	if (!has(name)) return std::nullopt;
	// The tree's own value, by reference (Object::get would copy it).
	for (auto& entry : *_object)
	{
		if (entry.first != name) continue;
		if (!entry.second.isString()) throw BadRequest("field '" + name + "' must be a string");
		auto& stored = const_cast<std::string&>(entry.second.extract<std::string>());
		std::optional<std::string> taken(stored);
		Wiper::wipe(stored.data(), stored.size());
		if (!Json::utf8Length(*taken))
		{
			Wiper::wipe(taken->data(), taken->size());
			throw BadRequest("field '" + name + "' is not valid UTF-8");
		}
		if (taken->find('\0') != std::string::npos)
		{
			Wiper::wipe(taken->data(), taken->size());
			throw BadRequest("field '" + name + "' must not contain NUL characters");
		}
		return taken;
	}
	return std::nullopt;
}

bool Fields::isNull(const std::string& name) const
{
	return _object->has(name) && _object->isNull(name);
}

} // namespace Http
} // namespace Nexus
