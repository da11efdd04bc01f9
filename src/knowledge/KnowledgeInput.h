#pragma once

#include "knowledge/Entity.h"

#include <string>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}
namespace Knowledge {

/// The input of /api/knowledge, read and checked (no database): a PUT's
/// body and the ?kind= filter. Every failure is an HttpError whose message
/// names the field or parameter.
class KnowledgeInput
{
public:
	/// The media types a YAML body may declare.
	static bool isYamlMediaType(const std::string& mediaType);

	/// The entity a PUT's body holds, as JSON (the API's flat form) or YAML
	/// (the envelope, KnowledgeYaml) by its Content-Type, for the path's key.
	/// Throws BadRequest (empty or invalid), PayloadTooLarge (a limit),
	/// UnsupportedMediaType.
	static Entity entity(const Http::Request& request, const Key& key, const Limits& limits);

	/// ?kind=server,project: known kinds, without repeats, in the order
	/// given (empty when absent). Throws BadRequest for an unknown kind.
	static std::vector<std::string> kinds(const Http::Request& request);
};

} // namespace Knowledge
} // namespace Nexus
