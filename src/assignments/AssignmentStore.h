#pragma once

#include "audit/AuditLog.h"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Assignments {

/// An agent's assignment to a profile.
struct Assignment
{
	std::string agent;       ///< the agent's slug
	std::string profileName; ///< the profile's current name
	std::string assignedAt;  ///< SQL DATETIME(3) text, UTC
};

/// The SQL of assignments (one profile per agent at most). Each change
/// writes its audit row (target "agent:<slug>") in its own transaction
/// (Audit::Change).
class AssignmentStore
{
public:
	/// Assignments ordered by agent slug after afterSlug ("" first page);
	/// profile narrows to one profile's agents.
	static std::vector<Assignment> list(std::size_t limit, const std::string& afterSlug,
	                                    const std::optional<std::string>& profile);

	/// The first limit agent slugs and profile names, in order: what the
	/// assignments page offers to choose from.
	static std::vector<std::string> agentSlugs(std::size_t limit);
	static std::vector<std::string> profileNames(std::size_t limit);

	/// What set() did.
	enum class SetResult
	{
		Created,
		Replaced,
		NoAgent,
		NoProfile
	};
	/// Points the agent at the profile (creating or replacing its assignment).
	static SetResult set(const std::string& slug, const std::string& profileName, Assignment& stored,
	                     const Audit::Change& audit);

	/// What remove() did.
	enum class RemoveResult
	{
		Removed,
		NoAgent,
		NotAssigned
	};
	static RemoveResult remove(const std::string& slug, const Audit::Change& audit);
};

} // namespace Assignments
} // namespace Nexus
