#pragma once

#include <Poco/Dynamic/Var.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace YAML {
class Emitter;
class Node;
} // namespace YAML

namespace Nexus {
namespace Knowledge {

/// A YAML document that cannot be read as a knowledge entity. what() is
/// "line L: <detail>" (a syntax error: "line L, column C: malformed YAML:
/// ..."), with 1-based numbers; tooLarge marks a size limit (413 rather
/// than 400 in the API).
class YamlError : public std::runtime_error
{
public:
	/// line 0: unknown (then what() is the detail alone).
	YamlError(int line, const std::string& detail, bool tooLarge = false, int column = 0);

	int line() const { return _line; }
	int column() const { return _column; }
	/// The message without its location.
	const std::string& detail() const { return _detail; }
	bool tooLarge() const { return _tooLarge; }

private:
	int _line;
	int _column;
	std::string _detail;
	bool _tooLarge;
};

/// YAML values as JSON values and back: the one place where the two are
/// converted into each other (yaml-cpp on one side, Poco::JSON on the other).
///
/// Scalars follow the YAML 1.2 core schema: unquoted true/false, null (~),
/// integers and floats are typed, everything else (and anything quoted) is a
/// string, so `ip: 10.0.0.12` and `on: yes` stay strings. Anchors and
/// aliases work; duplicate keys, other tags (beyond !!str) and infinities
/// are refused.
class YamlJson
{
public:
	/// Deepest nesting and most values a document may expand to (aliases
	/// included), so that a small document cannot blow up.
	static constexpr int kMaxDepth = 32;
	static constexpr std::size_t kMaxNodes = 100000;

	/// Values converted so far, shared by the parts of one document.
	struct Budget
	{
		std::size_t nodes = 0;
	};

	/// A YAML node as a JSON value (Object::Ptr, Array::Ptr, std::string,
	/// Int64, double, bool or empty for null). Throws YamlError.
	static Poco::Dynamic::Var toJson(const YAML::Node& node);
	/// The same for a node depth levels down a document whose other parts
	/// have already spent budget (kMaxDepth and kMaxNodes count the whole).
	static Poco::Dynamic::Var toJson(const YAML::Node& node, int depth, Budget& budget);

	/// Writes a JSON value into emitter as YAML: strings that would read back
	/// as something else are quoted, multi-line text becomes a literal block
	/// where that keeps it byte-exact.
	static void emitJson(YAML::Emitter& emitter, const Poco::Dynamic::Var& value);
	/// Writes one string so that it reads back as exactly that string.
	static void emitString(YAML::Emitter& emitter, const std::string& s);

	/// What an unquoted YAML scalar means under the core schema. Throws
	/// std::invalid_argument for a number JSON cannot hold (infinity, NaN, too large).
	static Poco::Dynamic::Var resolvePlain(const std::string& scalar);

	/// The 1-based line where node starts; 0 when yaml-cpp does not know.
	static int lineOf(const YAML::Node& node);
};

} // namespace Knowledge
} // namespace Nexus
