#include "knowledge/YamlJson.h"

#include "http/Json.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>

namespace Nexus {
namespace Knowledge {

namespace {

const char* const kStrTag = "tag:yaml.org,2002:str";

/// Words that YAML 1.1 readers (PyYAML, libyaml-based ones) take for
/// booleans or null; written quoted so that every reader sees a string.
const std::set<std::string> kYaml11Words = {
    "y",   "Y",   "yes", "Yes", "YES", "n",    "N",    "no",   "No",   "NO",   "on",   "On",    "ON",    "off",
    "Off", "OFF", "<<",  "=",   "~",   "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"};

bool allOf(const std::string& s, std::size_t from, const char* chars)
{
	if (from >= s.size()) return false;
	for (std::size_t i = from; i < s.size(); ++i)
		if (!std::strchr(chars, s[i])) return false;
	return true;
}

/// A YAML 1.2 core schema float: [-+]? ( . [0-9]+ | [0-9]+ ( . [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
bool isFloat(const std::string& s)
{
	std::size_t i = 0;
	if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
	const auto digitsFrom = [&s](std::size_t& at) {
		const std::size_t start = at;
		while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at]))) ++at;
		return at - start;
	};
	std::size_t digits = digitsFrom(i);
	if (i < s.size() && s[i] == '.')
	{
		++i;
		digits += digitsFrom(i);
	}
	if (digits == 0) return false;
	if (i < s.size() && (s[i] == 'e' || s[i] == 'E'))
	{
		++i;
		if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
		if (digitsFrom(i) == 0) return false;
	}
	return i == s.size();
}

/// Strings that a reader could take for a number (or a sexagesimal, binary,
/// octal or underscored YAML 1.1 number, a version like 1.2.3, an address
/// like 10.0.0.12): quoted when written, which costs nothing and is safe.
bool looksNumeric(const std::string& s)
{
	if (s.empty()) return false;
	const char c = s[0];
	if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.')) return false;
	return allOf(s, 0, "0123456789abcdefABCDEFxXoObB._:+-");
}

bool needsQuotes(const std::string& s)
{
	if (kYaml11Words.count(s) || looksNumeric(s)) return true;
	try
	{
		return !YamlJson::resolvePlain(s).isString();
	}
	catch (const std::invalid_argument&)
	{
		return true;
	}
}

/// True when a literal block scalar ("|", clip chomping, indentation
/// detected from the first line) reads back as exactly s.
bool literalSafe(const std::string& s)
{
	if (s.size() < 2 || s.find('\n') == std::string::npos) return false;
	if (s.back() != '\n' || s[s.size() - 2] == '\n') return false;
	if (s[0] == ' ' || s[0] == '\t' || s[0] == '\n') return false;
	for (std::size_t i = 0; i < s.size(); ++i)
	{
		const auto c = static_cast<unsigned char>(s[i]);
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) return false;
		// U+0085 (NEL), U+2028, U+2029 (line breaks to some readers), U+FEFF (BOM)
		if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) return false;
		if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
		    (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9))
			return false;
		if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
		    static_cast<unsigned char>(s[i + 2]) == 0xBF)
			return false;
	}
	return true;
}

/// True when s holds a character a plain scalar cannot carry through a
/// reader: a C0 control (tab and line breaks included: a reader trims or
/// folds them, "\r" is a line break in YAML), DEL, or U+0085, U+2028,
/// U+2029, U+FEFF. yaml-cpp writes such a string plain; double-quoted, it
/// escapes them. Found by t/fuzz/knowledge_yaml: "night\r\r" came back
/// without one of its trailing carriage returns.
bool hasUnsafeCharacter(const std::string& s)
{
	for (std::size_t i = 0; i < s.size(); ++i)
	{
		const auto c = static_cast<unsigned char>(s[i]);
		if (c < 0x20 || c == 0x7F) return true;
		if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) return true;
		if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
		    (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9))
			return true;
		if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBB &&
		    static_cast<unsigned char>(s[i + 2]) == 0xBF)
			return true;
	}
	return false;
}

void emitKey(YAML::Emitter& out, const std::string& key)
{
	if (needsQuotes(key) || hasUnsafeCharacter(key))
		out << YAML::DoubleQuoted << key;
	else
		out << key;
}

/// The shortest text that reads back as exactly d, always with a '.' or an
/// exponent so that it stays a float.
std::string formatDouble(double d)
{
	char buffer[40];
	for (int precision = 1; precision <= 17; ++precision)
	{
		std::snprintf(buffer, sizeof buffer, "%.*g", precision, d);
		if (std::strtod(buffer, nullptr) == d) break;
	}
	std::string s = buffer;
	if (s.find_first_of(".eE") == std::string::npos) s += ".0";
	return s;
}

Poco::Dynamic::Var convert(const YAML::Node& node, int depth, YamlJson::Budget& budget)
{
	if (depth > YamlJson::kMaxDepth)
		throw YamlError(YamlJson::lineOf(node),
		                "nesting deeper than " + std::to_string(YamlJson::kMaxDepth) + " levels");
	if (++budget.nodes > YamlJson::kMaxNodes)
		throw YamlError(YamlJson::lineOf(node),
		                "the document expands to more than " + std::to_string(YamlJson::kMaxNodes) +
		                    " values (aliases included)",
		                true);
	switch (node.Type())
	{
	case YAML::NodeType::Undefined:
	case YAML::NodeType::Null: return Poco::Dynamic::Var();
	case YAML::NodeType::Scalar:
	{
		const std::string& scalar = node.Scalar();
		if (!Http::Json::utf8Length(scalar)) throw YamlError(YamlJson::lineOf(node), "text is not valid UTF-8");
		const std::string& tag = node.Tag();
		if (tag == "!" || tag == kStrTag) return scalar;
		if (tag != "?")
			throw YamlError(YamlJson::lineOf(node),
			                "the tag '" + tag + "' is not supported (quote the value to make it a string)");
		try
		{
			return YamlJson::resolvePlain(scalar);
		}
		catch (const std::invalid_argument& e)
		{
			throw YamlError(YamlJson::lineOf(node), e.what());
		}
	}
	case YAML::NodeType::Sequence:
	{
		Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
		for (const auto& item : node) array->add(convert(item, depth + 1, budget));
		return array;
	}
	case YAML::NodeType::Map:
	{
		auto object = Http::Json::object();
		for (const auto& entry : node)
		{
			if (!entry.first.IsScalar()) throw YamlError(YamlJson::lineOf(entry.first), "a key must be a plain value");
			const std::string& key = entry.first.Scalar();
			if (!Http::Json::utf8Length(key)) throw YamlError(YamlJson::lineOf(entry.first), "key is not valid UTF-8");
			// The rule of JSON bodies (Http::Json::parseObject): the stored
			// spec is JSON, whose parser (Poco) cuts a key at a NUL.
			if (key.find('\0') != std::string::npos)
				throw YamlError(YamlJson::lineOf(entry.first), "a key must not contain NUL (\\0)");
			if (object->has(key)) throw YamlError(YamlJson::lineOf(entry.first), "duplicate key '" + key + "'");
			object->set(key, convert(entry.second, depth + 1, budget));
		}
		return object;
	}
	}
	return Poco::Dynamic::Var();
}

} // namespace

YamlError::YamlError(int line, const std::string& detail, bool tooLarge, int column):
    std::runtime_error((line > 0 ? "line " + std::to_string(line) +
                                       (column > 0 ? ", column " + std::to_string(column) : std::string()) + ": "
                                 : std::string()) +
                       detail),
    _line(line), _column(column), _detail(detail), _tooLarge(tooLarge)
{}

int YamlJson::lineOf(const YAML::Node& node)
{
	const YAML::Mark mark = node.Mark();
	return mark.is_null() ? 0 : mark.line + 1;
}

void YamlJson::emitString(YAML::Emitter& out, const std::string& s)
{
	const bool quote = needsQuotes(s);
	if (!quote && literalSafe(s))
		out << YAML::Literal << s;
	else if (quote || hasUnsafeCharacter(s))
		out << YAML::DoubleQuoted << s;
	else
		out << s;
}

Poco::Dynamic::Var YamlJson::resolvePlain(const std::string& s)
{
	if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Poco::Dynamic::Var();
	if (s == "true" || s == "True" || s == "TRUE") return true;
	if (s == "false" || s == "False" || s == "FALSE") return false;

	const std::size_t sign = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	if (allOf(s, sign, "0123456789"))
	{
		// The rule of JSON bodies (Http::Json::parseObject): at most 19
		// digits, and the value fits in 64 bits; never silently a float.
		if (s.size() - sign > 19)
			throw std::invalid_argument("the integer " + s +
			                            " has more than 19 digits (too large for any field); quote it to keep "
			                            "it as text");
		errno = 0;
		const long long value = std::strtoll(s.c_str(), nullptr, 10);
		if (errno == 0 && s[0] == '-' && Http::Json::belowExactNegative(s.substr(1)))
			throw std::invalid_argument("the integer " + s +
			                            " is below -9007199254740992 (-2^53) and cannot be stored exactly; quote it "
			                            "to keep it as text");
		if (errno == 0) return Poco::Int64(value);
		errno = 0;
		const unsigned long long large = std::strtoull(s.c_str(), nullptr, 10);
		if (s[0] != '-' && errno == 0) return Poco::UInt64(large);
		throw std::invalid_argument("the integer " + s + " does not fit in 64 bits; quote it to keep it as text");
	}
	if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o'))
	{
		const bool hex = s[1] == 'x';
		if (allOf(s, 2, hex ? "0123456789abcdefABCDEF" : "01234567"))
		{
			errno = 0;
			const unsigned long long value = std::strtoull(s.c_str() + 2, nullptr, hex ? 16 : 8);
			if (errno == 0 && value <= 0x7FFFFFFFFFFFFFFFull) return Poco::Int64(value);
			return s;
		}
	}
	if (isFloat(s))
	{
		const double value = std::strtod(s.c_str(), nullptr);
		if (!std::isfinite(value)) throw std::invalid_argument("the number " + s + " is too large to store");
		return value;
	}
	const std::string body = s.substr(sign);
	if (body == ".inf" || body == ".Inf" || body == ".INF" || s == ".nan" || s == ".NaN" || s == ".NAN")
		throw std::invalid_argument(s + " cannot be stored (JSON has no infinity or NaN); quote it to keep it as text");
	return s;
}

Poco::Dynamic::Var YamlJson::toJson(const YAML::Node& node)
{
	Budget budget;
	return convert(node, 0, budget);
}

Poco::Dynamic::Var YamlJson::toJson(const YAML::Node& node, int depth, Budget& budget)
{
	return convert(node, depth, budget);
}

void YamlJson::emitJson(YAML::Emitter& out, const Poco::Dynamic::Var& value)
{
	if (value.isEmpty())
		out << YAML::Null;
	else if (value.type() == typeid(Poco::JSON::Object::Ptr))
	{
		const auto& object = value.extract<Poco::JSON::Object::Ptr>();
		if (object->size() == 0)
		{
			out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
			return;
		}
		out << YAML::BeginMap;
		// getNames() keeps insertion order (iteration would sort the keys).
		for (const auto& name : object->getNames())
		{
			out << YAML::Key;
			emitKey(out, name);
			out << YAML::Value;
			emitJson(out, object->get(name));
		}
		out << YAML::EndMap;
	}
	else if (value.type() == typeid(Poco::JSON::Array::Ptr))
	{
		const auto& array = value.extract<Poco::JSON::Array::Ptr>();
		if (array->size() == 0)
		{
			out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
			return;
		}
		out << YAML::BeginSeq;
		for (const auto& item : *array) emitJson(out, item);
		out << YAML::EndSeq;
	}
	else if (value.type() == typeid(bool))
		out << value.extract<bool>();
	else if (value.isInteger())
	{
		if (value.isSigned())
			out << value.convert<Poco::Int64>();
		else
			out << value.convert<Poco::UInt64>();
	}
	else if (value.isNumeric())
		out << formatDouble(value.convert<double>());
	else
		emitString(out, value.convert<std::string>());
}

} // namespace Knowledge
} // namespace Nexus
