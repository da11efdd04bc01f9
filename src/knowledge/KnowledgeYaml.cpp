#include "knowledge/KnowledgeYaml.h"

#include "http/Json.h"
#include "knowledge/YamlJson.h"
#include "util/Time.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace Nexus {
namespace Knowledge {

namespace {

const std::set<std::string> kTopKeys = {"apiVersion", "kind", "metadata", "spec", "content"};
const std::set<std::string> kMetadataKeys = {"name", "title", "tags", "links", "version", "created_at", "updated_at"};

/// The keys of a mapping, refusing duplicates and keys not in allowed.
void checkKeys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& prefix,
               const std::string& allowedText)
{
	std::set<std::string> seen;
	for (const auto& entry : map)
	{
		const int line = YamlJson::lineOf(entry.first);
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
	const int here = YamlJson::lineOf(node) > 0 ? YamlJson::lineOf(node) : fallback;
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
	if (path.empty()) return {"document", YamlJson::lineOf(doc)};
	std::vector<std::string> yamlPath = path;
	if (!kTopKeys.count(path[0])) yamlPath.insert(yamlPath.begin(), "metadata");
	return {InvalidEntity::dotted(yamlPath), lineAlong(doc, yamlPath, 0, YamlJson::lineOf(doc))};
}

Entity parseDocument(const YAML::Node& doc, const Limits& limits, const std::optional<Key>& path)
{
	const int line = YamlJson::lineOf(doc);
	if (!doc.IsMap())
		throw YamlError(line, "a knowledge document must be a mapping with apiVersion, kind, metadata, "
		                      "spec and content");
	checkKeys(doc, kTopKeys, "", "apiVersion, kind, metadata, spec, content");

	const YAML::Node apiVersion = doc["apiVersion"];
	if (!apiVersion)
		throw YamlError(line, std::string("apiVersion is required: apiVersion: ") + KnowledgeYaml::kApiVersion);
	if (!apiVersion.IsScalar() || apiVersion.Scalar() != KnowledgeYaml::kApiVersion)
		throw YamlError(YamlJson::lineOf(apiVersion), std::string("apiVersion must be ") + KnowledgeYaml::kApiVersion);

	YamlJson::Budget budget;
	Poco::JSON::Object flat;
	if (const YAML::Node kind = doc["kind"]) flat.set("kind", YamlJson::toJson(kind, 1, budget));
	if (const YAML::Node metadata = doc["metadata"])
	{
		if (!metadata.IsMap() && !metadata.IsNull())
			throw YamlError(YamlJson::lineOf(metadata), "metadata must be a mapping (name, title, tags, links)");
		if (metadata.IsMap())
		{
			checkKeys(metadata, kMetadataKeys, "metadata.", "name, title, tags, links");
			for (const auto& entry : metadata)
				flat.set(entry.first.Scalar(), YamlJson::toJson(entry.second, 2, budget));
		}
	}
	if (const YAML::Node spec = doc["spec"]) flat.set("spec", YamlJson::toJson(spec, 1, budget));
	if (const YAML::Node content = doc["content"]) flat.set("content", YamlJson::toJson(content, 1, budget));

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

/// yaml-cpp 0.7 never returns from LoadAll when a ',' stands outside any
/// collection at a document's top level ("{a: 1},", "&a ,", ","): it takes
/// the ',' for the start of one more empty document, again and again,
/// without consuming it, until memory runs out. A first pass through the
/// parser with this handler, which only watches where each document
/// starts, finds that: a document that starts where the one before it did
/// made no progress.
class ProgressCheck : public YAML::EventHandler
{
public:
	void OnDocumentStart(const YAML::Mark& mark) override
	{
		if (_started && mark.pos == _lastStart)
			throw YamlError(mark.line + 1, "malformed YAML: unexpected ','", false, mark.column + 1);
		_started = true;
		_lastStart = mark.pos;
	}
	void OnDocumentEnd() override {}
	void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
	void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
	void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
	void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
	void OnSequenceEnd() override {}
	void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
	void OnMapEnd() override {}

private:
	bool _started = false;
	int _lastStart = 0;
};

std::vector<YAML::Node> loadAll(const std::string& text)
{
	try
	{
		{
			std::istringstream in(text);
			YAML::Parser parser(in);
			ProgressCheck check;
			while (parser.HandleNextDocument(check))
			{}
		}
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
	YamlJson::emitString(out, e.name);
	out << YAML::Key << "title" << YAML::Value;
	YamlJson::emitString(out, e.title);
	if (!e.tags.empty())
	{
		out << YAML::Key << "tags" << YAML::Value << YAML::Flow << YAML::BeginSeq;
		for (const auto& tag : e.tags) YamlJson::emitString(out, tag);
		out << YAML::EndSeq;
	}
	if (!e.links.empty())
	{
		out << YAML::Key << "links" << YAML::Value << YAML::BeginSeq;
		for (const auto& link : e.links)
		{
			out << YAML::BeginMap << YAML::Key << "url" << YAML::Value;
			YamlJson::emitString(out, link.url);
			if (!link.title.empty())
			{
				out << YAML::Key << "title" << YAML::Value;
				YamlJson::emitString(out, link.title);
			}
			out << YAML::EndMap;
		}
		out << YAML::EndSeq;
	}
	if (withServerFields)
	{
		out << YAML::Key << "version" << YAML::Value << e.version;
		out << YAML::Key << "created_at" << YAML::Value;
		YamlJson::emitString(out, Time::sqlToRfc3339(e.createdAt));
		out << YAML::Key << "updated_at" << YAML::Value;
		YamlJson::emitString(out, Time::sqlToRfc3339(e.updatedAt));
	}
	out << YAML::EndMap;
	out << YAML::Key << "spec" << YAML::Value;
	YamlJson::emitJson(out, Http::Json::parseStored(e.spec));
	if (!e.content.empty())
	{
		out << YAML::Key << "content" << YAML::Value;
		YamlJson::emitString(out, e.content);
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

std::vector<KnowledgeYaml::Document> KnowledgeYaml::parseStream(const std::string& text, const Limits& limits)
{
	std::vector<Document> documents;
	for (const auto& doc : loadAll(text))
	{
		Document d;
		d.line = YamlJson::lineOf(doc);
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
		throw YamlError(YamlJson::lineOf(docs[1]),
		                "the body must hold one YAML document, not " + std::to_string(docs.size()));
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
