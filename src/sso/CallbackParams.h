#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace Nexus {
namespace Http {
class Request;
}
namespace Sso {

/// What the provider's redirect to GET /api/auth/callback brings (OpenID
/// Connect Core 1.0, 3.1.2.5 and 3.1.2.6), read from the query without
/// looking anything up. Never throws: a malformed query is an HttpError
/// the Request raised before.
struct CallbackParams
{
	/// The longest state parameter looked up (ours are 43 characters).
	static constexpr std::size_t kMaxStateLength = 256;

	/// ?state= when it is worth looking up: non-empty, at most kMaxStateLength.
	std::optional<std::string> state;
	/// When the provider refused (?error=): what to tell the user, the error
	/// and ?error_description= clipped (clip()).
	std::optional<std::string> refusal;
	/// ?code=, non-empty.
	std::optional<std::string> code;

	static CallbackParams read(const Http::Request& request);

	/// Text from the provider or the client, safe to show and to log:
	/// printable ASCII only ('?' for any other byte), at most 200 characters.
	static std::string clip(const std::string& text);
};

} // namespace Sso
} // namespace Nexus
