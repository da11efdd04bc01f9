#include "vault/VaultInput.h"

#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Request.h"
#include "http/Validate.h"
#include "util/Integer.h"
#include "util/Wiper.h"

namespace Nexus {
namespace Vault {

NewSecret::~NewSecret()
{
	Wiper wiper(value);
}

SecretChange::~SecretChange()
{
	Wiper wiper(value);
}

namespace {

/// The field 'value', taken out of the parse tree (which is wiped: the one
/// copy left is the result, for the caller to wipe).
std::string readValue(const Http::Fields& fields, std::size_t maxValueBytes)
{
	auto value = fields.takeSecret("value");
	if (!value || value->empty()) throw Http::BadRequest("field 'value' is required: a non-empty string");
	Wiper wiper(*value); // wiped on the way out; the result is moved out of it first
	// The limit is in bytes (413), not characters.
	if (value->size() > maxValueBytes)
		throw Http::PayloadTooLarge("field 'value' may be at most " + std::to_string(maxValueBytes) + " bytes");
	return std::move(*value);
}

std::optional<std::vector<std::string>> readProfiles(const Http::Fields& fields)
{
	auto profiles =
	    fields.optionalStringArray("allowed_profiles", VaultInput::kMaxProfiles, VaultInput::kMaxProfileChars);
	// MySQL compares names ignoring trailing spaces: refuse them rather than merge two names.
	for (const auto& p : profiles.value_or(std::vector<std::string>()))
		if (p.front() == ' ' || p.back() == ' ')
			throw Http::BadRequest("field 'allowed_profiles': '" + p + "' must not start or end with a space");
	return profiles;
}

} // namespace

NewSecret VaultInput::create(const Http::Request& request, std::size_t maxValueBytes)
{
	Http::Fields fields(Http::Json::parseObject(request), {"scope", "name", "value", "allowed_profiles"});
	NewSecret secret;
	secret.scope = fields.string("scope", 1, kMaxScopeChars);
	if (!Http::Validate::word(secret.scope, kMaxScopeChars))
		throw Http::BadRequest("field 'scope' must be a short word: letters, digits, '_', '.' and '-'");
	secret.name = fields.string("name", 1, kMaxNameChars);
	if (!Http::Validate::path(secret.name, kMaxNameChars))
		throw Http::BadRequest("field 'name' must be words of letters, digits, '_', '.' and '-' separated by '/'");
	secret.value = readValue(fields, maxValueBytes);
	secret.allowedProfiles = readProfiles(fields).value_or(std::vector<std::string>());
	return secret;
}

SecretChange VaultInput::update(const Http::Request& request, std::size_t maxValueBytes)
{
	Http::Fields fields(Http::Json::parseObject(request), {"value", "allowed_profiles"});
	if (!fields.has("value") && !fields.has("allowed_profiles"))
		throw Http::BadRequest("give 'value', 'allowed_profiles' or both");
	SecretChange change;
	change.allowedProfiles = readProfiles(fields);
	if (fields.has("value")) change.value = readValue(fields, maxValueBytes);
	return change;
}

std::uint64_t VaultInput::secretId(const Http::Request& request)
{
	const auto id = parseInteger(request.pathParam("id"));
	if (!id || *id < 1) throw Http::NotFound("no secret '" + request.pathParam("id") + "'");
	return static_cast<std::uint64_t>(*id);
}

} // namespace Vault
} // namespace Nexus
