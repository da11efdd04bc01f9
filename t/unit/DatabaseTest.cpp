// Database::run's retries, without a database: work is a callable that
// throws sql::SQLExceptions, and no connection is ever opened, so run()
// sees only the errors it is given. Database::recovery is the same policy
// as a pure function, for what needs an open connection to happen.
#include "db/Database.h"
#include "http/HttpError.h"

#include "TestSupport.h"

#include <Poco/Logger.h>

#include <cppunit/extensions/HelperMacros.h>

#include <functional>
#include <stdexcept>
#include <string>

using Nexus::Db::Database;
using Recovery = Nexus::Db::Database::Recovery;

using NexusTest::thrown;

namespace {

const int kDeadlock = 1213;        // ER_LOCK_DEADLOCK
const int kServerLost = 2013;      // CR_SERVER_LOST
const int kSyntaxError = 1064;     // ER_PARSE_ERROR
const int kLockWaitTimeout = 1205; // ER_LOCK_WAIT_TIMEOUT

sql::SQLException error(int code)
{
	return sql::SQLException("error " + std::to_string(code), "HY000", code);
}

/// Work that throws error(code) the first failures times it runs, then returns 42.
struct Failing
{
	int code;
	int failures;
	int calls = 0;

	int operator()()
	{
		++calls;
		if (calls <= failures) throw error(code);
		return 42;
	}
};

} // namespace

class DatabaseTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DatabaseTest);
	CPPUNIT_TEST(testWorkThatSucceedsRunsOnce);
	CPPUNIT_TEST(testDeadlockIsRetried);
	CPPUNIT_TEST(testDeadlockIsTriedAtMostThreeTimesThenSurfaces);
	CPPUNIT_TEST(testOtherSqlErrorsAreNotRetried);
	CPPUNIT_TEST(testOtherExceptionsAreNotRetried);
	CPPUNIT_TEST(testLostConnectionIsRetriedOnce);
	CPPUNIT_TEST(testConnectionLostTwiceIsUnavailable);
	CPPUNIT_TEST(testRecoveryRetriesDeadlocksBeforeTheLastAttempt);
	CPPUNIT_TEST(testRecoveryReconnectsOnlyOnTheFirstAttempt);
	CPPUNIT_TEST(testRecoveryTakesALostConnectionOverADeadlock);
	CPPUNIT_TEST(testRecoveryRethrowsEverythingElse);
	CPPUNIT_TEST(testGaleraWithoutQuorumIsALostConnection);
	CPPUNIT_TEST(testCertificationConflictIsRetried);
	CPPUNIT_TEST(testServersAreHostsElseHostAndPort);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		// The warning of a lost connection is expected here.
		_logLevel = Poco::Logger::get("db").getLevel();
		Poco::Logger::get("db").setLevel(0);
	}

	void tearDown() override { Poco::Logger::get("db").setLevel(_logLevel); }

	void testWorkThatSucceedsRunsOnce()
	{
		Failing work{kDeadlock, 0};
		CPPUNIT_ASSERT_EQUAL(42, Database::run(std::ref(work)));
		CPPUNIT_ASSERT_EQUAL(1, work.calls);
	}

	void testDeadlockIsRetried()
	{
		Failing work{kDeadlock, Database::kMaxAttempts - 1};
		CPPUNIT_ASSERT_EQUAL(42, Database::run(std::ref(work)));
		CPPUNIT_ASSERT_EQUAL(Database::kMaxAttempts, work.calls);
	}

	void testDeadlockIsTriedAtMostThreeTimesThenSurfaces()
	{
		CPPUNIT_ASSERT_EQUAL(3, Database::kMaxAttempts); // the contract in Database.h
		Failing work{kDeadlock, Database::kMaxAttempts};
		const auto e = thrown<sql::SQLException>([&] { Database::run(std::ref(work)); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(kDeadlock, e.getErrorCode());
		CPPUNIT_ASSERT_EQUAL(Database::kMaxAttempts, work.calls);
	}

	void testOtherSqlErrorsAreNotRetried()
	{
		for (int code : {kSyntaxError, Database::kDuplicateKey, kLockWaitTimeout, 0})
		{
			Failing work{code, 1};
			const auto e = thrown<sql::SQLException>([&] { Database::run(std::ref(work)); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL(code, e.getErrorCode());
			CPPUNIT_ASSERT_EQUAL_MESSAGE("error " + std::to_string(code), 1, work.calls);
		}
	}

	void testOtherExceptionsAreNotRetried()
	{
		int calls = 0;
		auto work = [&calls]() -> int {
			++calls;
			throw std::runtime_error("not the database's");
		};
		CPPUNIT_ASSERT_THROW(Database::run(work), std::runtime_error);
		CPPUNIT_ASSERT_EQUAL(1, calls);
	}

	void testLostConnectionIsRetriedOnce()
	{
		Failing work{kServerLost, 1};
		CPPUNIT_ASSERT_EQUAL(42, Database::run(std::ref(work)));
		CPPUNIT_ASSERT_EQUAL(2, work.calls);
	}

	void testConnectionLostTwiceIsUnavailable()
	{
		Failing work{kServerLost, 2};
		const auto e = thrown<Nexus::Http::Unavailable>([&] { Database::run(std::ref(work)); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(503, e.status());
		CPPUNIT_ASSERT_EQUAL(2, work.calls);
	}

	void testRecoveryRetriesDeadlocksBeforeTheLastAttempt()
	{
		for (int attempt = 1; attempt < Database::kMaxAttempts; ++attempt)
			CPPUNIT_ASSERT(Recovery::Retry == Database::recovery(error(kDeadlock), attempt, false));
		CPPUNIT_ASSERT(Recovery::Rethrow == Database::recovery(error(kDeadlock), Database::kMaxAttempts, false));
	}

	void testRecoveryReconnectsOnlyOnTheFirstAttempt()
	{
		CPPUNIT_ASSERT(Recovery::Reconnect == Database::recovery(error(kServerLost), 1, true));
		CPPUNIT_ASSERT(Recovery::Unavailable == Database::recovery(error(kServerLost), 2, true));
		// An error without a code on a connection that no longer answers is a lost connection too.
		CPPUNIT_ASSERT(Recovery::Reconnect == Database::recovery(error(0), 1, true));
		CPPUNIT_ASSERT(Recovery::Unavailable == Database::recovery(error(0), 2, true));
	}

	void testRecoveryTakesALostConnectionOverADeadlock()
	{
		CPPUNIT_ASSERT(Recovery::Reconnect == Database::recovery(error(kDeadlock), 1, true));
		CPPUNIT_ASSERT(Recovery::Unavailable == Database::recovery(error(kDeadlock), 2, true));
	}

	void testRecoveryRethrowsEverythingElse()
	{
		for (int code : {kSyntaxError, Database::kDuplicateKey, kLockWaitTimeout, 0})
			for (int attempt = 1; attempt <= Database::kMaxAttempts; ++attempt)
				CPPUNIT_ASSERT(Recovery::Rethrow == Database::recovery(error(code), attempt, false));
	}

	void testGaleraWithoutQuorumIsALostConnection()
	{
		// "WSREP has not yet prepared node for application use": the node
		// serves nobody until it rejoins the primary component.
		CPPUNIT_ASSERT(
		    Database::isConnectionError(sql::SQLException("WSREP has not yet prepared node", "08S01", 1047)));
		CPPUNIT_ASSERT(Database::isConnectionError(error(1047)));
		CPPUNIT_ASSERT(Database::isConnectionError(sql::SQLException("link failure", "08S01", 0)));
		CPPUNIT_ASSERT(!Database::isConnectionError(error(kDeadlock)));
	}

	void testCertificationConflictIsRetried()
	{
		// Galera reports a failed certification at COMMIT as 1213, like a
		// deadlock: the whole work (its transaction, commit included) runs again.
		int calls = 0;
		const int got = Database::run([&] {
			++calls;
			if (calls == 1) throw sql::SQLException("Deadlock found when trying to get lock", "40001", kDeadlock);
			return 7;
		});
		CPPUNIT_ASSERT_EQUAL(7, got);
		CPPUNIT_ASSERT_EQUAL(2, calls);
	}

	void testServersAreHostsElseHostAndPort()
	{
		Nexus::DbSettings settings;
		settings.host = "db.example";
		settings.port = 3307;
		auto servers = Database::servers(settings);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), servers.size());
		CPPUNIT_ASSERT_EQUAL(std::string("db.example"), servers[0].first);
		CPPUNIT_ASSERT_EQUAL(3307, servers[0].second);
		settings.hosts = {"127.0.0.1:4001", "node2.example:4002", "[::1]:4003"};
		servers = Database::servers(settings);
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), servers.size());
		CPPUNIT_ASSERT_EQUAL(std::string("127.0.0.1"), servers[0].first);
		CPPUNIT_ASSERT_EQUAL(4001, servers[0].second);
		CPPUNIT_ASSERT_EQUAL(std::string("node2.example"), servers[1].first);
		CPPUNIT_ASSERT_EQUAL(4002, servers[1].second);
		CPPUNIT_ASSERT_EQUAL(std::string("[::1]"), servers[2].first);
		CPPUNIT_ASSERT_EQUAL(4003, servers[2].second);
	}

private:
	int _logLevel = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(DatabaseTest);
