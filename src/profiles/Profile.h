#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Registry {
struct ModelEntry;
}

namespace Profiles {

/// One step of a profile's fallback chain: the model to try next and the
/// error classes that lead to it (empty: any error).
struct Fallback
{
	std::string model;
	std::vector<std::string> on;

	bool operator==(const Fallback& other) const { return model == other.model && on == other.on; }
};

/// An inference profile: a named model routing configuration.
struct Profile
{
	std::uint64_t id = 0;
	std::string name;
	std::string model; ///< "provider/model"; "" only for a profile migrated from version 2
	std::vector<Fallback> fallbacks;
	bool vision = false;
	std::optional<std::string> gateway;     ///< a gateway name or an http(s) URL
	std::optional<std::string> description; ///< free text
	std::string parametersJson = "{}";      ///< a JSON object, passed through to the model
	std::uint32_t version = 1;
	std::string createdAt; ///< SQL DATETIME(3) text, UTC
	std::string updatedAt;
};

/// The fields a write may set; unset optionals are left as they are by a
/// partial update. clear* mark fields a PUT set to null.
struct ProfilePatch
{
	std::optional<std::string> name;
	std::optional<std::string> model;
	std::optional<std::vector<Fallback>> fallbacks;
	std::optional<bool> vision;
	std::optional<std::string> gateway;
	bool clearGateway = false;
	std::optional<std::string> description;
	bool clearDescription = false;
	std::optional<std::string> parametersJson;

	/// Applies the patch to profile (not its version or times).
	void applyTo(Profile& profile) const;
};

/// The JSON shape of profiles: parsing and checking request bodies, and the
/// response form. Every failure is a BadRequest naming the field.
class ProfileJson
{
public:
	static constexpr std::size_t kMaxNameChars = 100;
	static constexpr std::size_t kMaxFallbacks = 10;
	static constexpr std::size_t kMaxGatewayChars = 500;
	static constexpr std::size_t kMaxDescriptionChars = 2000;
	static constexpr std::size_t kMaxParametersBytes = 16384;

	/// The error classes a fallback may name in "on".
	static const std::vector<std::string>& errorClasses();

	/// A POST body: name and model required, the rest optional (defaults:
	/// no fallbacks, vision false, gateway and description null, parameters {}).
	static ProfilePatch parseCreate(const Poco::JSON::Object::Ptr& body);
	/// A PUT body: any subset of the fields, at least one.
	static ProfilePatch parseUpdate(const Poco::JSON::Object::Ptr& body);

	/// Whether name is a valid profile name: 1..100 code points of valid
	/// UTF-8, no control characters, no '/', no leading or trailing space.
	static bool validName(const std::string& name);

	/// The profile as the API returns it, with its warnings.
	static Poco::JSON::Object::Ptr toJson(const Profile& profile, const std::vector<std::string>& warnings);
	/// The fallbacks as stored and returned: a plain string for "any error",
	/// else {"model", "on"}.
	static std::string fallbacksToJson(const std::vector<Fallback>& fallbacks);
	static std::vector<Fallback> fallbacksFromJson(const std::string& json);
};

/// The model ids a profile names: its model, then each fallback, without
/// repeats (for one registry lookup).
std::vector<std::string> modelIds(const Profile& profile);

/// What is doubtful about a profile given the registry entries of its models
/// (by model id) on day today ("YYYY-MM-DD"): no model, models or fallbacks
/// unknown to the registry, a vision profile whose model or a fallback has
/// no image input, models past their deprecation date. Empty when all is well.
std::vector<std::string> warnings(const Profile& profile, const std::map<std::string, Registry::ModelEntry>& registry,
                                  const std::string& today);

} // namespace Profiles
} // namespace Nexus
