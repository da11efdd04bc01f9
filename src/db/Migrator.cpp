#include "db/Migrator.h"

#include "db/Database.h"
#include "db/LeaseStore.h"
#include "util/Integer.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/String.h>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace Nexus {
namespace Db {

namespace {

/// How long to wait for another migration's lease.
const int kLeaseWaitS = 60;
/// How long the lease lasts unless renewed (before each migration): a
/// migration that crashed holds it that long.
const int kLeaseTtlMs = 300 * 1000;

/// The 'migrate' lease (LeaseStore), cluster-wide, unlike GET_LOCK, which is
/// per server: two hosts migrating through two Galera nodes would both get
/// a named lock. Released by the destructor.
class MigrateLease
{
public:
	MigrateLease(): _owner(LeaseStore::ownerName())
	{
		LeaseStore::ensure(LeaseStore::kMigrate);
		const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kLeaseWaitS);
		while (!LeaseStore::acquire(LeaseStore::kMigrate, _owner, kLeaseTtlMs))
		{
			if (std::chrono::steady_clock::now() >= deadline)
				throw std::runtime_error("another migration is running (lease 'migrate' in table leases)");
			std::this_thread::sleep_for(std::chrono::milliseconds(250));
		}
	}
	~MigrateLease() { LeaseStore::release(LeaseStore::kMigrate, _owner); }
	MigrateLease(const MigrateLease&) = delete;
	MigrateLease& operator=(const MigrateLease&) = delete;

	/// Before each migration: still ours, for another TTL.
	void renew() const
	{
		if (!LeaseStore::acquire(LeaseStore::kMigrate, _owner, kLeaseTtlMs))
			throw std::runtime_error("lost the 'migrate' lease (a migration took longer than " +
			                         std::to_string(kLeaseTtlMs / 1000) + " s and another one started)");
	}

private:
	std::string _owner;
};

std::string readFile(const std::string& path)
{
	std::ifstream in(path);
	if (!in) throw std::runtime_error("cannot read " + path);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

} // namespace

Migrator::Migrator(std::string sqlDir): _sqlDir(std::move(sqlDir)) {}

std::vector<Migrator::Migration> Migrator::migrations() const
{
	std::vector<Migration> found;
	const std::string dir = _sqlDir + "/migrations";
	if (!Poco::File(dir).exists()) return found;
	for (Poco::DirectoryIterator it(dir), end; it != end; ++it)
	{
		const std::string& name = it.name();
		if (Poco::Path(name).getExtension() != "sql") continue;
		const std::string number = name.substr(0, 4);
		const bool digits = number.size() == 4 && number.find_first_not_of("0123456789") == std::string::npos;
		const int version = digits ? static_cast<int>(parseInteger(number).value_or(0)) : 0;
		if (name.size() < 5 || name[4] != '-' || !digits || version < 2)
			throw std::runtime_error("migration file name must be NNNN-name.sql with NNNN >= 0002: " + name);
		for (const auto& m : found)
			if (m.version == version) throw std::runtime_error("two migrations numbered " + name.substr(0, 4));
		found.push_back({version, it.path().toString()});
	}
	std::sort(found.begin(), found.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
	return found;
}

int Migrator::latestVersion() const
{
	const auto all = migrations();
	return all.empty() ? 1 : all.back().version;
}

int Migrator::currentVersion()
{
	auto& connection = Database::connection();
	std::unique_ptr<sql::Statement> st(connection.createStatement());
	std::unique_ptr<sql::ResultSet> tables(
	    st->executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND "
	                     "table_name = 'schema_version'"));
	if (!tables->next() || tables->getInt(1) == 0) return 0;
	std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
	return rs->next() ? rs->getInt(1) : 0;
}

std::vector<std::string> Migrator::splitStatements(const std::string& script)
{
	std::vector<std::string> statements;
	std::string current;
	std::istringstream in(script);
	std::string line;
	while (std::getline(in, line))
	{
		const std::string trimmed = Poco::trim(line);
		if (trimmed.empty() || trimmed.rfind("--", 0) == 0) continue;
		current += line + "\n";
		if (trimmed.back() == ';')
		{
			std::string statement = Poco::trim(current);
			statement.pop_back();
			if (!Poco::trim(statement).empty()) statements.push_back(Poco::trim(statement));
			current.clear();
		}
	}
	if (!Poco::trim(current).empty()) statements.push_back(Poco::trim(current));
	return statements;
}

void Migrator::runScript(const std::string& path)
{
	std::unique_ptr<sql::Statement> st(Database::connection().createStatement());
	for (const auto& statement : splitStatements(readFile(path)))
	{
		try
		{
			st->execute(statement);
		}
		catch (const sql::SQLException& e)
		{
			throw std::runtime_error(path + ": " + e.what() + "\n  in: " + statement.substr(0, 200));
		}
	}
}

int Migrator::migrate(std::ostream& progress) const
{
	auto& connection = Database::connection();
	const MigrateLease lease;

	int version = currentVersion();
	const int latest = latestVersion();
	if (version == 0)
	{
		progress << "empty database: applying " << _sqlDir << "/schema.sql (version " << latest << ")" << std::endl;
		runScript(_sqlDir + "/schema.sql");
		version = currentVersion();
		if (version != latest)
			throw std::runtime_error("schema.sql recorded version " + std::to_string(version) + ", expected " +
			                         std::to_string(latest));
	}
	else if (version > latest)
		throw std::runtime_error("the database is at version " + std::to_string(version) + ", newer than this Nexus (" +
		                         std::to_string(latest) + ")");
	for (const auto& m : migrations())
	{
		if (m.version <= version) continue;
		lease.renew();
		progress << "migrating " << version << " -> " << m.version << ": " << m.path << std::endl;
		runScript(m.path);
		std::unique_ptr<sql::PreparedStatement> record(connection.prepareStatement(
		    "INSERT INTO schema_version (version, applied_at) VALUES (?, UTC_TIMESTAMP(3))"));
		record->setInt(1, m.version);
		record->executeUpdate();
		version = m.version;
	}
	progress << "database is at version " << version << std::endl;
	return version;
}

} // namespace Db
} // namespace Nexus
