#pragma once

#include "config/Settings.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>

#include <cstdint>
#include <string>

namespace Nexus {
namespace Db {

/// Access to MySQL/MariaDB for the current thread.
///
/// Each thread owns one connection, opened lazily on first use (so always
/// after fork) and re-opened after it is lost. Statements are prepared once
/// per connection and cached by their SQL text. Only this class and the
/// stores (src/<resource>/*Store.cpp) hold SQL.
class Database
{
public:
	/// Fetches the driver and remembers the settings. Call once per process,
	/// before any thread uses the database (the driver getter is not thread-safe).
	static void init(const DbSettings& settings);

	/// Per-thread set-up and tear-down of the client library; threadEnd also
	/// closes the thread's connection.
	static void threadInit();
	static void threadEnd();

	/// The thread's connection, connecting if needed.
	/// Throws Http::Unavailable when the server cannot be reached.
	static sql::Connection& connection();

	/// A prepared statement for sql on the thread's connection (cached,
	/// parameters cleared). Valid until the connection is discarded.
	static sql::PreparedStatement& prepare(const std::string& sql);

	/// Closes and forgets the thread's connection and its statements.
	static void discard();

	/// The AUTO_INCREMENT id the thread's last INSERT generated (0 when none).
	static std::uint64_t lastInsertId();

	/// Runs work (which uses connection()/prepare()), retrying it after a
	/// deadlock or cluster certification conflict (up to 3 attempts) and once
	/// after a lost connection. Throws Http::Unavailable when the database stays
	/// unreachable; other sql::SQLExceptions propagate.
	template <typename Work> static auto run(Work&& work) -> decltype(work())
	{
		for (int attempt = 1;; ++attempt)
		{
			try
			{
				return work();
			}
			catch (const sql::SQLException& e)
			{
				handleFailure(e, attempt);
			}
		}
	}

	/// True for the errors that mean the connection is gone.
	static bool isConnectionError(const sql::SQLException& e);
	/// True for errors where retrying the whole transaction is the cure.
	static bool isRetryable(const sql::SQLException& e);

	/// MySQL's error for a duplicate key (unique constraint).
	static constexpr int kDuplicateKey = 1062;

private:
	/// Returns to retry, throws Unavailable or rethrows e otherwise.
	static void handleFailure(const sql::SQLException& e, int attempt);
};

/// A transaction on the thread's connection: begun by the constructor,
/// rolled back by the destructor unless commit() was called.
class Transaction
{
public:
	Transaction();
	~Transaction();
	Transaction(const Transaction&) = delete;
	Transaction& operator=(const Transaction&) = delete;

	void commit();

private:
	sql::Connection& _connection;
	bool _done = false;
};

} // namespace Db
} // namespace Nexus
