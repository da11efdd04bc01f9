#include "admin/StatusStore.h"

#include "config/Settings.h"
#include "db/Database.h"
#include "db/Migrator.h"
#include "db/Row.h"
#include "util/Time.h"

#include <cppconn/resultset.h>

#include <memory>

namespace Nexus {
namespace Admin {

using Db::Database;
namespace Row = Db::Row;

namespace {

std::uint64_t count(const std::string& sql)
{
	auto& st = Database::prepare(sql);
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	return rs->next() ? rs->getUInt64(1) : 0;
}

/// The tables counted in /admin/status, by the name shown there.
const std::vector<std::pair<std::string, std::string>>& countedTables()
{
	static const std::vector<std::pair<std::string, std::string>> kTables = {
	    {"profiles", "SELECT COUNT(*) FROM profiles"},
	    {"assignments", "SELECT COUNT(*) FROM assignments"},
	    {"secrets", "SELECT COUNT(*) FROM secrets"},
	    {"models", "SELECT COUNT(*) FROM models"},
	    {"knowledge_entities", "SELECT COUNT(*) FROM knowledge"},
	    {"memory_days", "SELECT COUNT(*) FROM memory_days"},
	};
	return kTables;
}

} // namespace

std::string StatusStore::serverVersion()
{
	return Database::run([] {
		auto& st = Database::prepare("SELECT VERSION()");
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		rs->next();
		return std::string(rs->getString(1));
	});
}

StatusStore::AgentCounts StatusStore::agents(const Poco::Timestamp& onlineSince)
{
	return Database::run([&] {
		auto& st = Database::prepare("SELECT COALESCE(SUM(last_heartbeat_at >= ?), 0), "
		                             "COALESCE(SUM(last_heartbeat_at IS NULL), 0), COUNT(*) FROM agents");
		st.setString(1, Time::toSql(onlineSince));
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		rs->next();
		AgentCounts counts;
		counts.online = rs->getUInt64(1);
		counts.neverSeen = rs->getUInt64(2);
		counts.total = rs->getUInt64(3);
		return counts;
	});
}

std::vector<std::pair<std::string, std::uint64_t>> StatusStore::tableCounts()
{
	std::vector<std::pair<std::string, std::uint64_t>> counts;
	for (const auto& [name, sql] : countedTables())
		counts.emplace_back(name, Database::run([&sql = sql] { return count(sql); }));
	return counts;
}

StatusStore::AuditHead StatusStore::auditHead()
{
	AuditHead head;
	Database::run([&] {
		auto& st = Database::prepare("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1");
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (rs->next())
		{
			head.seq = rs->getUInt64(1);
			head.hash = Row::optionalString(*rs, 2);
		}
	});
	head.unsealed = Database::run([] { return count("SELECT COUNT(*) FROM audit_log WHERE seq IS NULL"); });
	return head;
}

Poco::Dynamic::Var StatusStore::expectedSchemaVersion()
{
	try
	{
		const std::string sqlDir = Settings::processEnv("NEXUS_SQL_DIR").value_or("/usr/share/nexus/sql");
		return Db::Migrator(sqlDir).latestVersion();
	}
	catch (const std::exception&)
	{
		return {};
	}
}

} // namespace Admin
} // namespace Nexus
