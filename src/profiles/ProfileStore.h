#pragma once

#include "audit/AuditLog.h"
#include "profiles/Profile.h"
#include "vault/VaultStore.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Profiles {

/// The SQL of profiles. Names are compared byte for byte (utf8mb4_bin).
/// Each change writes its audit row (target "profile:<name>") in its own
/// transaction (Audit::Change).
class ProfileStore
{
public:
	/// Profiles ordered by name, after afterName ("" for the first page).
	static std::vector<Profile> list(std::size_t limit, const std::string& afterName);

	static std::optional<Profile> find(const std::string& name);
	/// The profile assigned to the agent, if any.
	static std::optional<Profile> findAssigned(std::uint64_t agentId);

	/// How many agents are assigned to each profile whose name sorts after
	/// afterName and up to lastName (a page of list()), by profile id; a
	/// profile without agents is left out. One query.
	static std::map<std::uint64_t, std::size_t> assignedCounts(const std::string& afterName,
	                                                           const std::string& lastName);
	/// The slugs of the agents assigned to the profile (by id), in order.
	static std::vector<std::string> assignedAgents(std::uint64_t profileId);

	/// Inserts profile (version 1, both times now) and returns it as stored.
	/// Throws Conflict when the name is taken.
	static Profile create(const Profile& profile, const Audit::Change& audit);

	/// Changes the profile named name in one transaction: change edits a copy
	/// (and may throw to refuse it), then the row is written with version + 1
	/// and a new updated_at. A rename keeps assignments (they hold the id) and
	/// renames the profile in every secret's allowed_profiles. nullopt when no
	/// such profile; Conflict when the new name is taken. The audit row
	/// names the profile by its new name.
	/// keyring: for stamping the renamed secrets' MACs (asked for only when
	/// a rename touches a secret).
	static std::optional<Profile> update(const std::string& name, const std::function<void(Profile&)>& change,
	                                     const Vault::KeyringSource& keyring, const Audit::Change& audit);

	/// Deletes the profile. Unless force, refuses with Conflict (naming the
	/// agents) when agents are assigned to it; with force their assignments go
	/// too. Secrets that allow the name keep it (a secret is never widened to
	/// every agent by a delete). False when there is no such profile.
	static bool remove(const std::string& name, bool force, const Audit::Change& audit);
};

} // namespace Profiles
} // namespace Nexus
