#pragma once

#include "knowledge/Entity.h"

#include <Poco/Dynamic/Var.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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

/// The YAML form of knowledge, modelled on Backstage's catalog envelope,
/// and the one place where JSON and YAML are converted into each other:
///
///     apiVersion: nexus/v1            # required
///     kind: server                    # server, domain, infrastructure, project, agent
///     metadata:
///       name: gpu-box-1               # letters, digits, '.', '_', '-'; unique within the kind
///       title: GPU box 1              # optional; defaults to the name
///       tags: [gpu, ollama]           # optional
///       links:                        # optional
///         - url: https://grafana.example.com/d/gpu
///           title: Dashboard
///       version: 3                    # written by Nexus; ignored when read
///       created_at: ...               # idem
///       updated_at: ...               # idem
///     spec:                           # optional; any mapping
///       host: gpu-box-1.lan
///     content: |                      # optional; markdown
///       Runs ollama ...
///
/// Scalars follow the YAML 1.2 core schema: unquoted true/false, null (~),
/// integers and floats are typed, everything else (and anything quoted) is a
/// string, so `ip: 10.0.0.12` and `on: yes` stay strings. Anchors and
/// aliases work; duplicate keys, other tags (beyond !!str) and infinities
/// are refused.
class KnowledgeYaml
{
public:
	static constexpr const char* kApiVersion = "nexus/v1";
	/// Deepest nesting and most values a document may expand to (aliases
	/// included), so that a small document cannot blow up.
	static constexpr int kMaxDepth = 32;
	static constexpr std::size_t kMaxNodes = 100000;

	/// One document of a stream: the entity, or why it was refused.
	struct Document
	{
		int line = 0; ///< 1-based line where the document starts
		std::optional<Entity> entity;
		std::optional<YamlError> error; ///< when entity is empty
	};

	/// Reads every document of a YAML stream (empty documents are skipped).
	/// A document that is not a valid entity is returned with its error; a
	/// syntax error anywhere throws YamlError (the stream cannot be trusted
	/// past it, so nothing of it is read).
	static std::vector<Document> parseStream(const std::string& text, const Limits& limits);

	/// Reads a stream that must hold exactly one document (a PUT body). With
	/// path, the document's kind and metadata.name may be left out and must
	/// match the path when given. Throws YamlError.
	static Entity parseOne(const std::string& text, const Limits& limits, const std::optional<Key>& path);

	/// The entity as one YAML document (starting with "---"). withServerFields
	/// adds metadata.version, created_at and updated_at (the API's reads do,
	/// `nexusctl knowledge export` does not, so its files only change when
	/// the knowledge does).
	static std::string emit(const Entity& entity, bool withServerFields);
	/// Several entities as a multi-document stream ("" for none).
	static std::string emitStream(const std::vector<Entity>& entities, bool withServerFields);

	/// A YAML node as a JSON value (Object::Ptr, Array::Ptr, std::string,
	/// Int64, double, bool or empty for null). Throws YamlError.
	static Poco::Dynamic::Var toJson(const YAML::Node& node);
	/// Writes a JSON value into emitter as YAML: strings that would read back
	/// as something else are quoted, multi-line text becomes a literal block
	/// where that keeps it byte-exact.
	static void emitJson(YAML::Emitter& emitter, const Poco::Dynamic::Var& value);
	/// What an unquoted YAML scalar means under the core schema.
	static Poco::Dynamic::Var resolvePlain(const std::string& scalar);
};

} // namespace Knowledge
} // namespace Nexus
