#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}
namespace Vault {

/// A new secret's fields, checked (POST /api/vault/secrets). The value is
/// wiped when this goes away.
struct NewSecret
{
	std::string scope;
	std::string name;
	std::string value;
	std::vector<std::string> allowedProfiles;

	NewSecret() = default;
	NewSecret(const NewSecret&) = delete;
	NewSecret& operator=(const NewSecret&) = delete;
	NewSecret(NewSecret&&) = default;
	NewSecret& operator=(NewSecret&&) = delete;
	~NewSecret();
};

/// A secret's change (PUT /api/vault/secrets/:id): a new value (empty when
/// not given; wiped when this goes away), new allowed profiles, or both.
struct SecretChange
{
	std::string value;
	std::optional<std::vector<std::string>> allowedProfiles;

	SecretChange() = default;
	SecretChange(const SecretChange&) = delete;
	SecretChange& operator=(const SecretChange&) = delete;
	SecretChange(SecretChange&&) = default;
	SecretChange& operator=(SecretChange&&) = delete;
	~SecretChange();
};

/// The input of /api/vault/secrets, read and checked (no database, no
/// keyring): what the handlers seal and store. Every failure is an
/// HttpError whose message names the field. The request's body, which
/// holds the value in clear, is wiped by the handler (VaultResource),
/// not here; the parse tree's copy is wiped here.
class VaultInput
{
public:
	static constexpr std::size_t kMaxScopeChars = 64;
	static constexpr std::size_t kMaxNameChars = 128;
	static constexpr std::size_t kMaxProfiles = 100;
	static constexpr std::size_t kMaxProfileChars = 100;

	/// {"scope", "name", "value", "allowed_profiles"?}; maxValueBytes is
	/// vault.max_value_bytes. Throws UnsupportedMediaType, BadRequest,
	/// PayloadTooLarge (the value).
	static NewSecret create(const Http::Request& request, std::size_t maxValueBytes);

	/// {"value"?, "allowed_profiles"?}, at least one of them. Throws as
	/// create does.
	static SecretChange update(const Http::Request& request, std::size_t maxValueBytes);

	/// The path's :id, a positive integer. Throws NotFound otherwise.
	static std::uint64_t secretId(const Http::Request& request);
};

} // namespace Vault
} // namespace Nexus
