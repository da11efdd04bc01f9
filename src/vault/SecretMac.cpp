#include "vault/SecretMac.h"

#include "auth/Token.h"
#include "util/Hex.h"
#include "util/Wiper.h"

#include <algorithm>

namespace Nexus {
namespace Vault {

namespace {

const char* const kFormat = "nexus-secret-v1";

} // namespace

std::optional<std::string> SecretMac::of(const Keyring& keyring, const SecretMeta& meta)
{
	if (!keyring.hasMac()) return std::nullopt;
	// The stored list is a set (its primary key); sort it here rather than
	// trust the database's collation order.
	std::vector<std::string> profiles = meta.allowedProfiles;
	std::sort(profiles.begin(), profiles.end());
	profiles.erase(std::unique(profiles.begin(), profiles.end()), profiles.end());
	std::string message;
	Digest::appendNetstring(message, kFormat);
	Digest::appendNetstring(message, std::to_string(meta.id));
	Digest::appendNetstring(message, meta.scope);
	Digest::appendNetstring(message, meta.name);
	Digest::appendNetstring(message, std::to_string(meta.version));
	Digest::appendNetstring(message, std::to_string(profiles.size()));
	for (const auto& profile : profiles) Digest::appendNetstring(message, profile);
	std::string key = keyring.macSubkey(kFormat);
	const Wiper wiper(key);
	return Digest::hmacSha256Hex(key, message);
}

bool SecretMac::holds(const Keyring& keyring, const SecretMeta& meta)
{
	const auto expected = of(keyring, meta);
	if (!expected) return true;
	return meta.mac && Auth::Token::constantTimeEquals(*expected, *meta.mac);
}

} // namespace Vault
} // namespace Nexus
