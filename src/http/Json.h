#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {

class Request;

namespace Json {

/// Compact JSON text; non-ASCII characters are kept as UTF-8, and a byte
/// that is not part of valid UTF-8 (a string value or key that came from
/// input) becomes U+FFFD (validUtf8), so the text is always valid UTF-8.
std::string stringify(const Poco::JSON::Object& object);
std::string stringify(const Poco::JSON::Array& array);

/// s as a JSON string literal, quotes included, escaped exactly as
/// stringify() escapes a string value (Poco::toJSON: ", \\ and control
/// characters; non-ASCII kept as UTF-8, invalid UTF-8 replaced). For JSON
/// written by hand, piece by piece, where no Poco tree is built.
std::string quote(const std::string& s);

/// quote(s) appended to out, with no temporary copy of s: for a body that
/// holds a secret and must exist in one buffer only. With out reserved by
/// quotedSize(s) more bytes, out does not reallocate.
void appendQuoted(std::string& out, const std::string& s);
/// The size of quote(s).
std::size_t quotedSize(const std::string& s);

/// A new object that keeps keys in insertion order (what clients read).
Poco::JSON::Object::Ptr object();

/// The value, or JSON null for nullopt.
template <typename T> Poco::Dynamic::Var nullable(const std::optional<T>& value)
{
	return value ? Poco::Dynamic::Var(*value) : Poco::Dynamic::Var();
}

/// A new array of the strings, in their order.
Poco::JSON::Array::Ptr array(const std::vector<std::string>& items);

/// Parses JSON text that Nexus stored itself (a column it wrote), keeping
/// the keys of every object in their stored order. Throws Poco's
/// JSON exceptions for malformed text: stored text is never malformed.
Poco::Dynamic::Var parseStored(const std::string& text);

/// True when the integer -digits (digits: decimal digits, no sign) is below
/// -2^53 (-9007199254740992). Poco's JSON parser reads a negative integer
/// through a double, so such a value would not read back as written; input
/// paths refuse it (parseObject, the knowledge YAML import).
bool belowExactNegative(const std::string& digits);

/// Parses the request body as a JSON object.
/// Throws UnsupportedMediaType unless the body is application/json, and
/// BadRequest for malformed JSON, nesting deeper than 32, or a non-object.
/// An empty body gives an empty object when allowEmpty is set.
Poco::JSON::Object::Ptr parseObject(const Request& request, bool allowEmpty = false);

/// Number of UTF-8 code points in s, or std::nullopt if s is not valid UTF-8.
std::optional<std::size_t> utf8Length(const std::string& s);

/// s with every byte that is not part of a well-formed UTF-8 sequence
/// (RFC 3629: no overlong form, surrogate or value past U+10FFFF) replaced
/// by U+FFFD; s itself, uncopied, when it is valid already.
std::string validUtf8(std::string s);

} // namespace Json

/// Typed, validated access to the fields of a JSON request body.
/// Every failure is a BadRequest whose message names the field.
class Fields
{
public:
	/// Throws BadRequest naming the first field not in allowed.
	Fields(Poco::JSON::Object::Ptr object, std::initializer_list<const char*> allowed);

	/// A required string of minChars..maxChars code points.
	std::string string(const std::string& name, std::size_t minChars, std::size_t maxChars) const;
	/// An optional string (absent or null gives nullopt) of at most maxChars code points.
	std::optional<std::string> optionalString(const std::string& name, std::size_t maxChars) const;
	/// An optional array of strings (absent or null gives nullopt), each
	/// 1..maxChars code points without control characters, at most maxItems;
	/// duplicates are dropped, order kept.
	std::optional<std::vector<std::string>> optionalStringArray(const std::string& name, std::size_t maxItems,
	                                                            std::size_t maxChars) const;
	/// An optional JSON object (absent or null gives nullptr).
	Poco::JSON::Object::Ptr optionalObject(const std::string& name) const;
	/// An optional JSON array (absent or null gives nullptr).
	Poco::JSON::Array::Ptr optionalArray(const std::string& name) const;
	/// An optional boolean (absent or null gives nullopt); "true" or 1 are refused.
	std::optional<bool> optionalBool(const std::string& name) const;
	/// True when the field is present and null (a partial update that clears it).
	bool isNull(const std::string& name) const;

	bool has(const std::string& name) const;

	/// An optional string field that holds a secret, validated as
	/// optionalString() (no length limit: the caller checks the bytes),
	/// copied once into the result, and then overwritten in the parse tree,
	/// so that no other copy outlives the request (the caller wipes the
	/// result: util/Wiper.h). nullopt when absent or null.
	std::optional<std::string> takeSecret(const std::string& name) const;

private:
	Poco::JSON::Object::Ptr _object;
};

} // namespace Http
} // namespace Nexus
