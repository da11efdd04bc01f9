#pragma once

#include "knowledge/Entity.h"
#include "knowledge/YamlJson.h"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace Nexus {
namespace Knowledge {

/// The YAML form of knowledge, modelled on Backstage's catalog envelope
/// (values convert through YamlJson):
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
class KnowledgeYaml
{
public:
	static constexpr const char* kApiVersion = "nexus/v1";

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
};

} // namespace Knowledge
} // namespace Nexus
