#include "knowledge/KnowledgeYaml.h"

#include "http/Json.h"
#include "util/Time.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

namespace Nexus {
namespace Knowledge {

namespace {

const char* const kStrTag = "tag:yaml.org,2002:str";

const std::set<std::string> kTopKeys = {"apiVersion", "kind", "metadata", "spec", "content"};
const std::set<std::string> kMetadataKeys = {"name", "title", "tags", "links", "version", "created_at", "updated_at"};

/// Words that YAML 1.1 readers (PyYAML, libyaml-based ones) take for
/// booleans or null; written quoted so that every reader sees a string.
const std::set<std::string> kYaml11Words = {
    "y",   "Y",   "yes", "Yes", "YES", "n",    "N",    "no",   "No",   "NO",   "on",   "On",    "ON",    "off",
    "Off", "OFF", "<<",  "=",   "~",   "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"};

int lineOf(const YAML::Node& node)
{
	const YAML::Mark mark = node.Mark();
	return mark.is_null() ? 0 : mark.line + 1;
}

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
		return !KnowledgeYaml::resolvePlain(s).isString();
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

void emitKey(YAML::Emitter& out, const std::string& key)
{
	if (needsQuotes(key))
		out << YAML::DoubleQuoted << key;
	else
		out << key;
}

void emitString(YAML::Emitter& out, const std::string& s)
{
	if (needsQuotes(s))
		out << YAML::DoubleQuoted << s;
	else if (literalSafe(s))
		out << YAML::Literal << s;
	else
		out << s;
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

struct Budget
{
	std::size_t nodes = 0;
};

Poco::Dynamic::Var convert(const YAML::Node& node, int depth, Budget& budget)
{
	if (depth > KnowledgeYaml::kMaxDepth)
		throw YamlError(lineOf(node), "nesting deeper than " + std::to_string(KnowledgeYaml::kMaxDepth) + " levels");
	if (++budget.nodes > KnowledgeYaml::kMaxNodes)
		throw YamlError(lineOf(node),
		                "the document expands to more than " + std::to_string(KnowledgeYaml::kMaxNodes) +
		                    " values (aliases included)",
		                true);
	switch (node.Type())
	{
	case YAML::NodeType::Undefined:
	case YAML::NodeType::Null: return Poco::Dynamic::Var();
	case YAML::NodeType::Scalar:
	{
		const std::string& scalar = node.Scalar();
		if (!Http::Json::utf8Length(scalar)) throw YamlError(lineOf(node), "text is not valid UTF-8");
		const std::string& tag = node.Tag();
		if (tag == "!" || tag == kStrTag) return scalar;
		if (tag != "?")
			throw YamlError(lineOf(node),
			                "the tag '" + tag + "' is not supported (quote the value to make it a string)");
		try
		{
			return KnowledgeYaml::resolvePlain(scalar);
		}
		catch (const std::invalid_argument& e)
		{
			throw YamlError(lineOf(node), e.what());
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
			if (!entry.first.IsScalar()) throw YamlError(lineOf(entry.first), "a key must be a plain value");
			const std::string& key = entry.first.Scalar();
			if (!Http::Json::utf8Length(key)) throw YamlError(lineOf(entry.first), "key is not valid UTF-8");
			if (object->has(key)) throw YamlError(lineOf(entry.first), "duplicate key '" + key + "'");
			object->set(key, convert(entry.second, depth + 1, budget));
		}
		return object;
	}
	}
	return Poco::Dynamic::Var();
}

/// The keys of a mapping, refusing duplicates and keys not in allowed.
void checkKeys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& prefix,
               const std::string& allowedText)
{
	std::set<std::string> seen;
	for (const auto& entry : map)
	{
		const int line = lineOf(entry.first);
		if (!entry.first.IsScalar()) throw YamlError(line, "a key must be a plain value");
		const std::string& key = entry.first.Scalar();
		if (!seen.insert(key).second) throw YamlError(line, "duplicate key '" + prefix + key + "'");
		if (!allowed.count(key))
			throw YamlError(line, "unknown key '" + prefix + key + "' (allowed: " + allowedText + ")");
	}
}

bool isIndex(const std::string& part)
{
	return !part.empty() && std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

/// The line of the node at path[i...] below node, or of the closest node on
/// the way that exists.
int lineAlong(const YAML::Node& node, const std::vector<std::string>& path, std::size_t i, int fallback)
{
	if (!node.IsDefined()) return fallback;
	const int here = lineOf(node) > 0 ? lineOf(node) : fallback;
	if (i == path.size()) return here;
	const std::string& part = path[i];
	if (isIndex(part) && node.IsSequence())
	{
		const std::size_t index = std::stoul(part);
		return index < node.size() ? lineAlong(node[index], path, i + 1, here) : here;
	}
	if (!isIndex(part) && node.IsMap()) return lineAlong(node[part], path, i + 1, here);
	return here;
}

/// Where in the document the flat field path of an InvalidEntity is: its
/// YAML name ("metadata.links[1].url") and the line of the closest node.
std::pair<std::string, int> locate(const YAML::Node& doc, const std::vector<std::string>& path)
{
	if (path.empty()) return {"document", lineOf(doc)};
	const bool inMetadata = !kTopKeys.count(path[0]);
	std::string name = inMetadata ? "metadata" : "";
	for (const auto& part : path) name += isIndex(part) ? "[" + part + "]" : (name.empty() ? "" : ".") + part;
	std::vector<std::string> yamlPath = path;
	if (inMetadata) yamlPath.insert(yamlPath.begin(), "metadata");
	return {name, lineAlong(doc, yamlPath, 0, lineOf(doc))};
}

Entity parseDocument(const YAML::Node& doc, const Limits& limits, const std::optional<Key>& path)
{
	const int line = lineOf(doc);
	if (!doc.IsMap())
		throw YamlError(line, "a knowledge document must be a mapping with apiVersion, kind, metadata, "
		                      "spec and content");
	checkKeys(doc, kTopKeys, "", "apiVersion, kind, metadata, spec, content");

	const YAML::Node apiVersion = doc["apiVersion"];
	if (!apiVersion)
		throw YamlError(line, std::string("apiVersion is required: apiVersion: ") + KnowledgeYaml::kApiVersion);
	if (!apiVersion.IsScalar() || apiVersion.Scalar() != KnowledgeYaml::kApiVersion)
		throw YamlError(lineOf(apiVersion), std::string("apiVersion must be ") + KnowledgeYaml::kApiVersion);

	Budget budget;
	Poco::JSON::Object flat;
	if (const YAML::Node kind = doc["kind"]) flat.set("kind", convert(kind, 1, budget));
	if (const YAML::Node metadata = doc["metadata"])
	{
		if (!metadata.IsMap() && !metadata.IsNull())
			throw YamlError(lineOf(metadata), "metadata must be a mapping (name, title, tags, links)");
		if (metadata.IsMap())
		{
			checkKeys(metadata, kMetadataKeys, "metadata.", "name, title, tags, links");
			for (const auto& entry : metadata) flat.set(entry.first.Scalar(), convert(entry.second, 2, budget));
		}
	}
	if (const YAML::Node spec = doc["spec"]) flat.set("spec", convert(spec, 1, budget));
	if (const YAML::Node content = doc["content"]) flat.set("content", convert(content, 1, budget));

	try
	{
		return entityFromJson(flat, limits, path);
	}
	catch (const InvalidEntity& e)
	{
		const auto [name, where] = locate(doc, e.path());
		throw YamlError(where, name + " " + e.detail(), e.tooLarge());
	}
}

std::vector<YAML::Node> loadAll(const std::string& text)
{
	try
	{
		std::vector<YAML::Node> docs;
		for (auto& doc : YAML::LoadAll(text))
			if (!doc.IsNull()) docs.push_back(std::move(doc));
		return docs;
	}
	catch (const YAML::Exception& e)
	{
		if (e.mark.is_null()) throw YamlError(0, "malformed YAML: " + e.msg);
		throw YamlError(e.mark.line + 1, "malformed YAML: " + e.msg, false, e.mark.column + 1);
	}
}

void emitEntity(YAML::Emitter& out, const Entity& e, bool withServerFields)
{
	out << YAML::BeginDoc << YAML::BeginMap;
	out << YAML::Key << "apiVersion" << YAML::Value << KnowledgeYaml::kApiVersion;
	out << YAML::Key << "kind" << YAML::Value << e.kind;
	out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
	out << YAML::Key << "name" << YAML::Value;
	emitString(out, e.name);
	out << YAML::Key << "title" << YAML::Value;
	emitString(out, e.title);
	if (!e.tags.empty())
	{
		out << YAML::Key << "tags" << YAML::Value << YAML::Flow << YAML::BeginSeq;
		for (const auto& tag : e.tags) emitString(out, tag);
		out << YAML::EndSeq;
	}
	if (!e.links.empty())
	{
		out << YAML::Key << "links" << YAML::Value << YAML::BeginSeq;
		for (const auto& link : e.links)
		{
			out << YAML::BeginMap << YAML::Key << "url" << YAML::Value;
			emitString(out, link.url);
			if (!link.title.empty())
			{
				out << YAML::Key << "title" << YAML::Value;
				emitString(out, link.title);
			}
			out << YAML::EndMap;
		}
		out << YAML::EndSeq;
	}
	if (withServerFields)
	{
		out << YAML::Key << "version" << YAML::Value << e.version;
		out << YAML::Key << "created_at" << YAML::Value;
		emitString(out, Time::sqlToRfc3339(e.createdAt));
		out << YAML::Key << "updated_at" << YAML::Value;
		emitString(out, Time::sqlToRfc3339(e.updatedAt));
	}
	out << YAML::EndMap;
	out << YAML::Key << "spec" << YAML::Value;
	KnowledgeYaml::emitJson(out, Http::Json::parseStored(e.spec));
	if (!e.content.empty())
	{
		out << YAML::Key << "content" << YAML::Value;
		emitString(out, e.content);
	}
	out << YAML::EndMap;
}

std::string finish(const YAML::Emitter& out)
{
	if (!out.good()) throw std::runtime_error("cannot write YAML: " + out.GetLastError());
	std::string text = out.c_str();
	if (!text.empty() && text.back() != '\n') text += '\n';
	return text;
}

} // namespace

YamlError::YamlError(int line, const std::string& detail, bool tooLarge, int column):
    std::runtime_error((line > 0 ? "line " + std::to_string(line) +
                                       (column > 0 ? ", column " + std::to_string(column) : std::string()) + ": "
                                 : std::string()) +
                       detail),
    _line(line), _column(column), _detail(detail), _tooLarge(tooLarge)
{}

Poco::Dynamic::Var KnowledgeYaml::resolvePlain(const std::string& s)
{
	if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return Poco::Dynamic::Var();
	if (s == "true" || s == "True" || s == "TRUE") return true;
	if (s == "false" || s == "False" || s == "FALSE") return false;

	const std::size_t sign = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	if (allOf(s, sign, "0123456789"))
	{
		errno = 0;
		const long long value = std::strtoll(s.c_str(), nullptr, 10);
		if (errno == 0) return Poco::Int64(value);
		return std::strtod(s.c_str(), nullptr); // beyond 64 bits: a float, as JSON readers do
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

Poco::Dynamic::Var KnowledgeYaml::toJson(const YAML::Node& node)
{
	Budget budget;
	return convert(node, 0, budget);
}

void KnowledgeYaml::emitJson(YAML::Emitter& out, const Poco::Dynamic::Var& value)
{
	if (value.isEmpty())
		out << YAML::Null;
	else if (value.type() == typeid(Poco::JSON::Object::Ptr))
	{
		const auto object = value.extract<Poco::JSON::Object::Ptr>();
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
		const auto array = value.extract<Poco::JSON::Array::Ptr>();
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

std::vector<KnowledgeYaml::Document> KnowledgeYaml::parseStream(const std::string& text, const Limits& limits)
{
	std::vector<Document> documents;
	for (const auto& doc : loadAll(text))
	{
		Document d;
		d.line = lineOf(doc);
		try
		{
			d.entity = parseDocument(doc, limits, std::nullopt);
		}
		catch (const YamlError& e)
		{
			d.error = e;
		}
		documents.push_back(std::move(d));
	}
	return documents;
}

Entity KnowledgeYaml::parseOne(const std::string& text, const Limits& limits, const std::optional<Key>& path)
{
	const auto docs = loadAll(text);
	if (docs.empty()) throw YamlError(0, "the body holds no YAML document");
	if (docs.size() > 1)
		throw YamlError(lineOf(docs[1]), "the body must hold one YAML document, not " + std::to_string(docs.size()));
	return parseDocument(docs[0], limits, path);
}

std::string KnowledgeYaml::emit(const Entity& entity, bool withServerFields)
{
	YAML::Emitter out;
	emitEntity(out, entity, withServerFields);
	return finish(out);
}

std::string KnowledgeYaml::emitStream(const std::vector<Entity>& entities, bool withServerFields)
{
	if (entities.empty()) return "";
	YAML::Emitter out;
	for (const auto& entity : entities) emitEntity(out, entity, withServerFields);
	return finish(out);
}

} // namespace Knowledge
} // namespace Nexus
