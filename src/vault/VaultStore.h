#pragma once

#include "audit/AuditLog.h"
#include "auth/Authenticator.h"
#include "auth/Principal.h"
#include "vault/Keyring.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Vault {

/// A secret without its value. Times are MySQL DATETIME text (UTC).
struct SecretMeta
{
	std::uint64_t id = 0;
	std::string scope;
	std::string name;
	std::uint32_t version = 0;
	std::vector<std::string> allowedProfiles; ///< empty: every agent
	std::string createdAt;
	std::string updatedAt;
	/// The row's MAC over the fields above that a read relies on
	/// (SecretMac); unset when written without an integrity key.
	std::optional<std::string> mac;
};

/// The current version of a secret: its metadata and envelope record.
struct SecretRecord
{
	SecretMeta meta;
	std::string record;
	bool readable = true; ///< by the agent read() was asked about
};

/// Whose view of the vault a list takes.
struct Viewer
{
	/// Set: only what this agent may read (unrestricted secrets and those
	/// allowing the profile assigned to it). Unset: no agent restriction.
	std::optional<std::uint64_t> agentId;
	/// Set: only unrestricted secrets and those allowing this profile name.
	std::optional<std::string> profile;
};

/// Produces the envelope record of a new version once its identity
/// (secret id, version) is known; returns {key id, record}.
using Sealer = std::function<std::pair<std::uint32_t, std::string>(std::uint64_t secretId, std::uint32_t version)>;

/// The keyring, asked for only when a write needs it.
using KeyringSource = std::function<std::shared_ptr<const Keyring>()>;

/// The SQL of the vault. Values exist here only as envelope records. Each
/// change writes its audit row (target auditTarget(id)) in its own
/// transaction (Audit::Change), and stamps the secret's MAC (SecretMac)
/// under the keyring it is given.
class VaultStore
{
public:
	/// "secret:<id>", the audit log's name for a secret.
	static std::string auditTarget(std::uint64_t id) { return "secret:" + std::to_string(id); }

	/// Creates a secret at version 1. Throws Http::Conflict when (scope, name) exists.
	static SecretMeta create(const std::string& scope, const std::string& name,
	                         const std::vector<std::string>& allowedProfiles, const Sealer& seal,
	                         const Keyring& keyring, const Audit::Change& audit);

	/// Secrets by id after afterId, filtered by scope (when given) and viewer.
	static std::vector<SecretMeta> list(const std::optional<std::string>& scope, const Viewer& viewer,
	                                    std::size_t limit, std::uint64_t afterId);

	/// The current version of a secret, or nullopt. With agentId, readable
	/// says whether that agent may read it (decided in the same query).
	static std::optional<SecretRecord> read(std::uint64_t id, const std::optional<std::uint64_t>& agentId);

	/// read() for the agent owning the active token tokenHash, checked in the
	/// same query: the token's grant (agent and expiry) and the secret
	/// (readable set for that agent), or nullopt when the token is not active
	/// or the secret does not exist.
	static std::optional<std::pair<Auth::AgentGrant, SecretRecord>> readWithToken(std::uint64_t id,
	                                                                              const std::string& tokenHash);

	/// A new value (new version; beyond maxVersions the oldest are deleted)
	/// and/or a new access list. nullopt when there is no such secret.
	/// Throws Http::Conflict when the secret fails its integrity check
	/// (SecretMac) and the change does not replace both: stamping a new MAC
	/// over a rolled-back version or a widened list would bless it.
	static std::optional<SecretMeta> update(std::uint64_t id, const Sealer* seal,
	                                        const std::optional<std::vector<std::string>>& allowedProfiles,
	                                        int maxVersions, const Keyring& keyring, const Audit::Change& audit);

	/// Renames profile from to to in every secret's allowed list, in the
	/// caller's transaction, and stamps those secrets again; one that failed
	/// its integrity check before keeps failing it.
	static void renameProfile(const std::string& from, const std::string& to, const KeyringSource& keyring);

	/// Stamps every secret that has no MAC, trusting its current version and
	/// list: for the moment an integrity key is added (`nexusctl vault
	/// mac-key`) or the schema first gets the column (migration 11). Returns
	/// the ids stamped.
	static std::vector<std::uint64_t> stampUnauthenticated(const Keyring& keyring);

	/// The ids of the secrets that fail their integrity check under keyring.
	static std::vector<std::uint64_t> failingIntegrity(const Keyring& keyring);

	/// Deletes the secret and every stored version. false when there is none.
	static bool remove(std::uint64_t id, const Audit::Change& audit);

	/// One stored version, for re-wrapping.
	struct Version
	{
		std::uint64_t secretId;
		std::uint32_t version;
		std::string scope;
		std::string name;
		std::uint32_t keyId;
		std::string record;
	};

	/// Up to limit versions, after (secretId, version), whose record is not
	/// wrapped by keyId or not of the given format (its first byte).
	static std::vector<Version> versionsNotUnder(std::uint32_t keyId, unsigned char format, std::uint64_t afterSecretId,
	                                             std::uint32_t afterVersion, std::size_t limit);

	/// Replaces a version's record if it still holds expected (no lost update).
	static bool replaceRecord(const Version& version, std::uint32_t newKeyId, const std::string& newRecord);

	/// How many versions are not wrapped by keyId or not of format.
	static std::uint64_t countNotUnder(std::uint32_t keyId, unsigned char format);

	/// How many stored versions each key wraps, and in which record
	/// format: (key id, format) -> count, ordered.
	static std::map<std::pair<std::uint32_t, unsigned>, std::uint64_t> countsByKey();
};

} // namespace Vault
} // namespace Nexus
