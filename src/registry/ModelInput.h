#pragma once

#include "registry/ModelStore.h"

#include <Poco/JSON/Object.h>

#include <cstddef>
#include <string>
#include <vector>

namespace Nexus {
namespace Registry {

/// The rules for a registry entry as a client sends it (POST
/// /api/registry/models), checked at the edge; needs no database.
class ModelInput
{
public:
	static constexpr std::size_t kMaxSlugChars = 100;
	static constexpr std::size_t kMaxProviderChars = 100;
	static constexpr std::size_t kMaxNameChars = 200;
	static constexpr std::size_t kMaxParameters = 100;
	static constexpr std::size_t kMaxParameterChars = 64;
	static constexpr std::size_t kMaxMetadataBytes = 16384;

	/// The modalities a model may take or give: text, image, audio, video, file.
	static const std::vector<std::string>& modalities();
	/// modalities() as "text, image, audio, video, file" (for messages).
	static std::string modalityList();

	/// A family name: one part of a model id (Http::Validate::modelId): letters,
	/// digits, '.', '_', '-' and ':', not "." or "..", at most 100 characters.
	static bool isSlug(const std::string& s);
	static bool isModality(const std::string& s);
	/// A parameter name: [a-z0-9_]{1,64}.
	static bool isParameterName(const std::string& s);

	/// The part of a model id before its first '/'.
	static std::string providerOf(const std::string& modelId);

	/// The entry a request body describes, with defaults for what it leaves
	/// out (id and times unset). Throws Http::BadRequest naming the first bad
	/// or unknown field. The read-only fields id, created_at and updated_at
	/// are accepted (so an entry read from the API can be sent back) and ignored.
	static ModelEntry parse(const Poco::JSON::Object::Ptr& body);
};

} // namespace Registry
} // namespace Nexus
