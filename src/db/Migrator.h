#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace Nexus {
namespace Db {

/// Brings a database to the current schema.
///
/// sqlDir holds schema.sql (the whole current schema, which records its own
/// version in schema_version) and migrations/NNNN-name.sql, each of which
/// upgrades a database from version NNNN-1 to NNNN. An empty database gets
/// schema.sql; an older one gets the migrations it lacks, in order, each
/// recorded in schema_version. A MySQL named lock keeps two migrators apart.
class Migrator
{
public:
	struct Migration
	{
		int version;
		std::string path;
	};

	explicit Migrator(std::string sqlDir);

	/// The migrations found in sqlDir/migrations, sorted by version.
	/// Throws std::runtime_error for a badly named file or a duplicate number.
	std::vector<Migration> migrations() const;

	/// The version schema.sql creates: the highest migration number, or 1.
	int latestVersion() const;

	/// The database's version; 0 when it has no schema_version table.
	static int currentVersion();

	/// Applies what is missing and reports each step on progress.
	/// Returns the version reached. Throws on SQL errors (the failed file is named).
	int migrate(std::ostream& progress) const;

	/// Splits a SQL script into statements at semicolons that end a line,
	/// dropping "--" comment lines and blank statements.
	static std::vector<std::string> splitStatements(const std::string& script);

private:
	static void runScript(const std::string& path);

	std::string _sqlDir;
};

} // namespace Db
} // namespace Nexus
