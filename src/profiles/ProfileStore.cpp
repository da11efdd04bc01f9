#include "profiles/ProfileStore.h"

#include "db/Database.h"
#include "db/Row.h"
#include "http/HttpError.h"
#include "metrics/Invalidation.h"
#include "util/Time.h"

#include <cppconn/resultset.h>

#include <memory>

namespace Nexus {
namespace Profiles {

using Db::Database;
namespace Row = Db::Row;

namespace {

/// The audit log's name for a profile.
std::string auditTarget(const std::string& name)
{
	return "profile:" + name;
}

const std::string kColumns =
    "id, name, model, fallbacks, vision, gateway, description, parameters, version, created_at, updated_at";

/// How many assigned agents a refused delete names before "and N more".
const std::size_t kNamedAgents = 20;

Profile readProfile(sql::ResultSet& rs)
{
	Profile p;
	p.id = rs.getUInt64(1);
	p.name = rs.getString(2);
	p.model = rs.getString(3);
	p.fallbacks = ProfileJson::fallbacksFromJson(rs.getString(4));
	p.vision = rs.getBoolean(5);
	p.gateway = Row::optionalString(rs, 6);
	p.description = Row::optionalString(rs, 7);
	p.parametersJson = rs.getString(8);
	p.version = rs.getUInt(9);
	p.createdAt = rs.getString(10);
	p.updatedAt = rs.getString(11);
	return p;
}

std::optional<Profile> select(const std::string& name, bool forUpdate)
{
	auto& st =
	    Database::prepare("SELECT " + kColumns + " FROM profiles WHERE name = ?" + (forUpdate ? " FOR UPDATE" : ""));
	st.setString(1, name);
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	if (!rs->next()) return std::nullopt;
	return readProfile(*rs);
}

/// Binds the writable columns of p at 1..7 (name .. parameters).
void bindColumns(sql::PreparedStatement& st, const Profile& p)
{
	st.setString(1, p.name);
	st.setString(2, p.model);
	st.setString(3, ProfileJson::fallbacksToJson(p.fallbacks));
	st.setBoolean(4, p.vision);
	Row::setOptionalString(st, 5, p.gateway);
	Row::setOptionalString(st, 6, p.description);
	st.setString(7, p.parametersJson);
}

[[noreturn]] void nameTaken(const std::string& name)
{
	throw Http::Conflict("a profile named '" + name + "' already exists");
}

std::vector<std::string> agentsOf(std::uint64_t profileId)
{
	auto& st = Database::prepare(
	    "SELECT g.slug FROM assignments a JOIN agents g ON g.id = a.agent_id WHERE a.profile_id = ? ORDER BY g.slug");
	st.setUInt64(1, profileId);
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	std::vector<std::string> slugs;
	while (rs->next()) slugs.push_back(rs->getString(1));
	return slugs;
}

} // namespace

std::vector<Profile> ProfileStore::list(std::size_t limit, const std::string& afterName)
{
	return Database::run([&] {
		auto& st = Database::prepare("SELECT " + kColumns + " FROM profiles WHERE name > ? ORDER BY name LIMIT ?");
		st.setString(1, afterName);
		st.setUInt(2, static_cast<unsigned>(limit));
		return Row::readAll<Profile>(st, readProfile);
	});
}

std::optional<Profile> ProfileStore::find(const std::string& name)
{
	return Database::run([&] { return select(name, false); });
}

std::optional<Profile> ProfileStore::findAssigned(std::uint64_t agentId)
{
	return Database::run([&]() -> std::optional<Profile> {
		auto& st = Database::prepare("SELECT p.id, p.name, p.model, p.fallbacks, p.vision, p.gateway, p.description, "
		                             "p.parameters, p.version, p.created_at, p.updated_at FROM assignments a "
		                             "JOIN profiles p ON p.id = a.profile_id WHERE a.agent_id = ?");
		st.setUInt64(1, agentId);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (!rs->next()) return std::nullopt;
		return readProfile(*rs);
	});
}

std::map<std::uint64_t, std::size_t> ProfileStore::assignedCounts(const std::string& afterName,
                                                                  const std::string& lastName)
{
	return Database::run([&] {
		auto& st = Database::prepare("SELECT a.profile_id, COUNT(*) FROM assignments a JOIN profiles p ON p.id = "
		                             "a.profile_id WHERE p.name > ? AND p.name <= ? GROUP BY a.profile_id");
		st.setString(1, afterName);
		st.setString(2, lastName);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		std::map<std::uint64_t, std::size_t> counts;
		while (rs->next()) counts[rs->getUInt64(1)] = static_cast<std::size_t>(rs->getUInt64(2));
		return counts;
	});
}

std::vector<std::string> ProfileStore::assignedAgents(std::uint64_t profileId)
{
	return Database::run([&] { return agentsOf(profileId); });
}

Profile ProfileStore::create(const Profile& profile, const Audit::Change& audit)
{
	auto result = Database::run([&] {
		Db::Transaction tx;
		const std::string now = Time::toSql(Poco::Timestamp());
		auto& st =
		    Database::prepare("INSERT INTO profiles (name, model, fallbacks, vision, gateway, description, "
		                      "parameters, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)");
		bindColumns(st, profile);
		st.setString(8, now);
		st.setString(9, now);
		try
		{
			st.executeUpdate();
		}
		catch (const sql::SQLException& e)
		{
			if (e.getErrorCode() == Database::kDuplicateKey) nameTaken(profile.name);
			throw;
		}
		auto stored = select(profile.name, false);
		audit.write(auditTarget(profile.name));
		tx.commit();
		return *stored;
	});
	Invalidation::bump(Invalidation::Topic::Profiles);
	return result;
}

std::optional<Profile> ProfileStore::update(const std::string& name, const std::function<void(Profile&)>& change,
                                            const Vault::KeyringSource& keyring, const Audit::Change& audit)
{
	auto result = Database::run([&]() -> std::optional<Profile> {
		Db::Transaction tx;
		auto current = select(name, true);
		if (!current) return std::nullopt;
		Profile next = *current;
		change(next);
		auto& st =
		    Database::prepare("UPDATE profiles SET name = ?, model = ?, fallbacks = ?, vision = ?, gateway = ?, "
		                      "description = ?, parameters = ?, version = version + 1, updated_at = ? WHERE id = ?");
		bindColumns(st, next);
		st.setString(8, Time::toSql(Poco::Timestamp()));
		st.setUInt64(9, current->id);
		try
		{
			st.executeUpdate();
		}
		catch (const sql::SQLException& e)
		{
			if (e.getErrorCode() == Database::kDuplicateKey) nameTaken(next.name);
			throw;
		}
		if (next.name != current->name) Vault::VaultStore::renameProfile(current->name, next.name, keyring);
		auto stored = select(next.name, false);
		audit.write(auditTarget(next.name));
		tx.commit();
		return stored;
	});
	Invalidation::bump(Invalidation::Topic::Profiles);
	return result;
}

bool ProfileStore::remove(const std::string& name, bool force, const Audit::Change& audit)
{
	auto result = Database::run([&] {
		Db::Transaction tx;
		auto profile = select(name, true);
		if (!profile) return false;
		const auto agents = agentsOf(profile->id);
		if (!agents.empty() && !force)
		{
			std::string list;
			for (std::size_t i = 0; i < agents.size() && i < kNamedAgents; ++i) list += (i ? ", " : "") + agents[i];
			if (agents.size() > kNamedAgents) list += " and " + std::to_string(agents.size() - kNamedAgents) + " more";
			throw Http::Conflict("profile '" + name + "' is assigned to " + std::to_string(agents.size()) +
			                     (agents.size() == 1 ? " agent: " : " agents: ") + list +
			                     "; reassign them, or delete with ?force=true to remove their assignments too");
		}
		auto& unassign = Database::prepare("DELETE FROM assignments WHERE profile_id = ?");
		unassign.setUInt64(1, profile->id);
		unassign.executeUpdate();
		auto& del = Database::prepare("DELETE FROM profiles WHERE id = ?");
		del.setUInt64(1, profile->id);
		del.executeUpdate();
		audit.write(auditTarget(name));
		tx.commit();
		return true;
	});
	Invalidation::bump(Invalidation::Topic::Profiles);
	return result;
}

} // namespace Profiles
} // namespace Nexus
