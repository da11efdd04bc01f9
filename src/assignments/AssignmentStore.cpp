#include "assignments/AssignmentStore.h"

#include "db/Database.h"
#include "db/Row.h"
#include "metrics/Invalidation.h"
#include "util/Time.h"

#include <cppconn/resultset.h>

#include <cstdint>
#include <memory>

namespace Nexus {
namespace Assignments {

using Db::Database;
namespace Row = Db::Row;

namespace {

/// The audit log's name for an agent's assignment.
std::string auditTarget(const std::string& slug)
{
	return "agent:" + slug;
}

const std::string kSelect = "SELECT g.slug, p.name, a.assigned_at FROM assignments a "
                            "JOIN agents g ON g.id = a.agent_id JOIN profiles p ON p.id = a.profile_id";

Assignment readAssignment(sql::ResultSet& rs)
{
	return {rs.getString(1), rs.getString(2), rs.getString(3)};
}

std::optional<std::uint64_t> idOf(const std::string& table, const std::string& column, const std::string& value,
                                  bool forUpdate)
{
	auto& st = Database::prepare("SELECT id FROM " + table + " WHERE " + column + " = ?" +
	                             (forUpdate ? " FOR UPDATE" : " LOCK IN SHARE MODE"));
	st.setString(1, value);
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	if (!rs->next()) return std::nullopt;
	return rs->getUInt64(1);
}

} // namespace

std::vector<Assignment> AssignmentStore::list(std::size_t limit, const std::string& afterSlug,
                                              const std::optional<std::string>& profile)
{
	const std::string sql =
	    kSelect + " WHERE g.slug > ?" + (profile ? " AND p.name = ?" : "") + " ORDER BY g.slug LIMIT ?";
	return Database::run([&] {
		auto& st = Database::prepare(sql);
		int i = 1;
		st.setString(i++, afterSlug);
		if (profile) st.setString(i++, *profile);
		st.setUInt(i, static_cast<unsigned>(limit));
		return Row::readAll<Assignment>(st, readAssignment);
	});
}

std::vector<std::string> AssignmentStore::agentSlugs(std::size_t limit)
{
	return Database::run([&] {
		auto& st = Database::prepare("SELECT slug FROM agents ORDER BY slug LIMIT ?");
		st.setUInt(1, static_cast<unsigned>(limit));
		return Row::readAll<std::string>(st, [](sql::ResultSet& rs) { return std::string(rs.getString(1)); });
	});
}

std::vector<std::string> AssignmentStore::profileNames(std::size_t limit)
{
	return Database::run([&] {
		auto& st = Database::prepare("SELECT name FROM profiles ORDER BY name LIMIT ?");
		st.setUInt(1, static_cast<unsigned>(limit));
		return Row::readAll<std::string>(st, [](sql::ResultSet& rs) { return std::string(rs.getString(1)); });
	});
}

AssignmentStore::SetResult AssignmentStore::set(const std::string& slug, const std::string& profileName,
                                                Assignment& stored, const Audit::Change& audit)
{
	const SetResult result = Database::run([&] {
		Db::Transaction tx;
		const auto agentId = idOf("agents", "slug", slug, true);
		if (!agentId) return SetResult::NoAgent;
		// A shared lock: a concurrent delete of the profile waits for this assignment.
		const auto profileId = idOf("profiles", "name", profileName, false);
		if (!profileId) return SetResult::NoProfile;
		auto& existing = Database::prepare("SELECT 1 FROM assignments WHERE agent_id = ? FOR UPDATE");
		existing.setUInt64(1, *agentId);
		const bool replaced = std::unique_ptr<sql::ResultSet>(existing.executeQuery())->next();
		auto& st = Database::prepare("INSERT INTO assignments (agent_id, profile_id, assigned_at) VALUES (?, ?, ?) "
		                             "ON DUPLICATE KEY UPDATE profile_id = VALUES(profile_id), "
		                             "assigned_at = VALUES(assigned_at)");
		st.setUInt64(1, *agentId);
		st.setUInt64(2, *profileId);
		st.setString(3, Time::toSql(Poco::Timestamp()));
		st.executeUpdate();
		auto& read = Database::prepare(kSelect + " WHERE a.agent_id = ?");
		read.setUInt64(1, *agentId);
		std::unique_ptr<sql::ResultSet> rs(read.executeQuery());
		rs->next();
		stored = readAssignment(*rs);
		audit.write(auditTarget(slug));
		tx.commit();
		return replaced ? SetResult::Replaced : SetResult::Created;
	});
	if (result == SetResult::Replaced || result == SetResult::Created)
		Invalidation::bump(Invalidation::Topic::Assignments);
	return result;
}

AssignmentStore::RemoveResult AssignmentStore::remove(const std::string& slug, const Audit::Change& audit)
{
	const RemoveResult result = Database::run([&] {
		Db::Transaction tx;
		const auto agentId = idOf("agents", "slug", slug, true);
		if (!agentId) return RemoveResult::NoAgent;
		auto& st = Database::prepare("DELETE FROM assignments WHERE agent_id = ?");
		st.setUInt64(1, *agentId);
		if (st.executeUpdate() == 0) return RemoveResult::NotAssigned;
		audit.write(auditTarget(slug));
		tx.commit();
		return RemoveResult::Removed;
	});
	if (result == RemoveResult::Removed) Invalidation::bump(Invalidation::Topic::Assignments);
	return result;
}

} // namespace Assignments
} // namespace Nexus
