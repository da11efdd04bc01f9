#include "db/LeaseStore.h"

#include "db/Database.h"

#include <Poco/Environment.h>
#include <Poco/Random.h>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <memory>
#include <mutex>

#include <unistd.h>

namespace Nexus {
namespace Db {

namespace {

/// Every matching row counts (CLIENT_FOUND_ROWS), so 1 means "held".
const char* const kAcquire =
    "UPDATE leases SET epoch = epoch + IF(owner = ?, 0, 1), owner = ?, "
    "expires_at = NOW(6) + INTERVAL ? MICROSECOND WHERE name = ? AND (expires_at < NOW(6) OR owner = ?)";

std::mutex gOwnerMutex;
pid_t gOwnerPid = 0;
std::string gOwner;

} // namespace

std::string LeaseStore::ownerName()
{
	std::lock_guard<std::mutex> lock(gOwnerMutex);
	const pid_t pid = ::getpid();
	if (pid != gOwnerPid)
	{
		Poco::Random random;
		random.seed();
		std::string host = Poco::Environment::nodeName().substr(0, 80);
		gOwner = host + "/" + std::to_string(pid) + "/" + std::to_string(random.next());
		gOwnerPid = pid;
	}
	return gOwner;
}

std::optional<std::uint64_t> LeaseStore::acquire(const std::string& name, const std::string& owner, int ttlMs)
{
	return Database::run([&]() -> std::optional<std::uint64_t> {
		for (int round = 0; round < 2; ++round)
		{
			auto& st = Database::prepare(kAcquire);
			st.setString(1, owner);
			st.setString(2, owner);
			st.setInt64(3, static_cast<std::int64_t>(ttlMs) * 1000);
			st.setString(4, name);
			st.setString(5, owner);
			if (st.executeUpdate() == 1)
			{
				auto& read = Database::prepare("SELECT epoch FROM leases WHERE name = ? AND owner = ?");
				read.setString(1, name);
				read.setString(2, owner);
				std::unique_ptr<sql::ResultSet> rs(read.executeQuery());
				if (!rs->next()) return std::nullopt; // taken meanwhile
				return rs->getUInt64(1);
			}
			auto& exists = Database::prepare("SELECT COUNT(*) FROM leases WHERE name = ?");
			exists.setString(1, name);
			std::unique_ptr<sql::ResultSet> rs(exists.executeQuery());
			if (rs->next() && rs->getInt(1) > 0) return std::nullopt;
			auto& insert = Database::prepare("INSERT IGNORE INTO leases (name) VALUES (?)");
			insert.setString(1, name);
			insert.executeUpdate();
		}
		return std::nullopt;
	});
}

bool LeaseStore::confirm(const std::string& name, const std::string& owner, std::uint64_t epoch, int ttlMs)
{
	auto& st = Database::prepare("UPDATE leases SET expires_at = NOW(6) + INTERVAL ? MICROSECOND "
	                             "WHERE name = ? AND owner = ? AND epoch = ? AND expires_at >= NOW(6)");
	st.setInt64(1, static_cast<std::int64_t>(ttlMs) * 1000);
	st.setString(2, name);
	st.setString(3, owner);
	st.setUInt64(4, epoch);
	return st.executeUpdate() == 1;
}

void LeaseStore::release(const std::string& name, const std::string& owner) noexcept
{
	try
	{
		Database::run([&] {
			auto& st =
			    Database::prepare("UPDATE leases SET expires_at = '1970-01-01 00:00:01' WHERE name = ? AND owner = ?");
			st.setString(1, name);
			st.setString(2, owner);
			st.executeUpdate();
		});
	}
	catch (const std::exception&)
	{
		// It expires by itself.
	}
}

void LeaseStore::ensure(const std::string& name)
{
	std::unique_ptr<sql::Statement> st(Database::connection().createStatement());
	// The same definition as sql/schema.sql and 0013-leases.sql.
	st->execute("CREATE TABLE IF NOT EXISTS leases ("
	            "name VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY, "
	            "owner VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '', "
	            "epoch BIGINT UNSIGNED NOT NULL DEFAULT 0, "
	            "expires_at DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:01'"
	            ") ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin");
	auto& insert = Database::prepare("INSERT IGNORE INTO leases (name) VALUES (?)");
	insert.setString(1, name);
	insert.executeUpdate();
}

} // namespace Db
} // namespace Nexus
