#pragma once

#include "config/Settings.h"

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

	/// The thread's connection, connecting if needed: over db.socket, else
	/// to the first of servers() that answers and, when it is a Galera node,
	/// is ready (wsrep_ready ON: Synced in the primary component); a Galera
	/// session runs with wsrep_sync_wait = 7, so it sees every write the
	/// cluster committed before the read began, whichever node took it
	/// (read-your-writes across hosts; README "Scaling out").
	/// Throws Http::Unavailable when no server can be reached.
	static sql::Connection& connection();

	/// The servers a connection tries, in order (host, port): db.hosts when
	/// set, else db.host and db.port. Settings checked each entry.
	static std::vector<std::pair<std::string, int>> servers(const DbSettings& settings);

	/// A prepared statement for sql on the thread's connection (cached,
	/// parameters cleared). Valid until the connection is discarded, or
	/// until db.statement_cache_size other statements have been prepared
	/// since it was last asked for (the cache closes the least recently
	/// used), whichever comes first.
	static sql::PreparedStatement& prepare(const std::string& sql);

	/// How many statements the thread's cache holds.
	static std::size_t cachedStatements();
	/// The smallest cache prepare() uses, whatever the setting says.
	static constexpr int kMinStatementCache = 16;

	/// Closes and forgets the thread's connection and its statements.
	static void discard();
	/// Makes the next connection() discard the thread's connection first and
	/// open a new one: for a connection whose state is unknown, while
	/// statements of it may still be referenced up the stack.
	static void discardBeforeNextUse();

	/// The AUTO_INCREMENT id the thread's last INSERT generated (0 when none).
	static std::uint64_t lastInsertId();

	/// Runs work (which uses connection()/prepare()), retrying it after a
	/// deadlock or cluster certification conflict (up to kMaxAttempts attempts)
	/// and once after a lost connection, at once (no back-off), as recovery()
	/// decides. Throws Http::Unavailable when the database stays unreachable;
	/// the last deadlock and other sql::SQLExceptions propagate unchanged.
	/// work may run more than once, so it must do all its writes in one
	/// transaction (or be idempotent); what it throws other than an
	/// sql::SQLException propagates at once.
	///
	/// Inside an open Transaction (a run within the work of an outer run that
	/// holds one, see Transaction) it neither retries nor reconnects: a
	/// deadlock or a lost connection has ended the outer transaction too, so
	/// the error propagates to the outer run, which runs its whole work again.
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
				if (inTransaction()) throw;
				handleFailure(e, attempt);
			}
		}
	}

	/// Whether a Transaction is open on the thread (Transaction::open()).
	static bool inTransaction();

	/// True for the errors that mean the connection is gone, or its server
	/// no longer serves: a Galera node without quorum answers 1047 (SQLSTATE
	/// 08S01) to everything, so the connection goes and the next one tries
	/// the other servers.
	static bool isConnectionError(const sql::SQLException& e);
	/// True when e says so, or the thread's connection no longer answers
	/// (Connector/C++ reports some failures on a dead connection with no
	/// code): what run() treats as a lost connection.
	static bool connectionLost(const sql::SQLException& e);
	/// True for errors where retrying the whole transaction is the cure.
	static bool isRetryable(const sql::SQLException& e);
	/// True for errors a value from the request causes (text the column's
	/// character set cannot hold or compare, too long, out of range, a
	/// failed CHECK): the caller's mistake, a 400, never a 500. The
	/// statement changed nothing and its transaction rolls back.
	static bool isDataError(const sql::SQLException& e);

	/// True for the errors of a server that refuses writes: read_only is on
	/// (a replica, a failover in progress, an operator's maintenance; 1290,
	/// ER_OPTION_PREVENTS_STATEMENT) or InnoDB is read-only (1836,
	/// ER_READ_ONLY_MODE). The statement changed nothing and its transaction
	/// rolls back; the same request may work once the server takes writes.
	static bool isReadOnly(const sql::SQLException& e);

	/// MySQL's error for a duplicate key (unique constraint).
	static constexpr int kDuplicateKey = 1062;
	/// How many times run() tries work that keeps hitting a retryable error.
	static constexpr int kMaxAttempts = 3;

	/// What run() does after work threw e on its attempt-th try (from 1).
	enum class Recovery
	{
		Retry,       ///< run work again: isRetryable(e) and attempt < kMaxAttempts
		Reconnect,   ///< discard the connection and run work again: lost on the first try
		Unavailable, ///< discard the connection, throw Http::Unavailable: lost again
		Rethrow      ///< rethrow e: any other error, or the last retryable one
	};

	/// run()'s retry policy as a pure function (no connection, no metrics):
	/// lost says the connection is gone (isConnectionError(e), or the open
	/// connection no longer answers), which wins over isRetryable(e).
	static Recovery recovery(const sql::SQLException& e, int attempt, bool lost);

private:
	/// Counts the error, applies recovery() to it: returns to retry, throws
	/// Unavailable or rethrows e otherwise. Called only from run()'s catch.
	static void handleFailure(const sql::SQLException& e, int attempt);
};

/// Whether the thread's request may still commit: its deadline and a
/// commit must not both win. The server installs one per request
/// (Transaction::setGate) and answers a request past its deadline with a
/// 503 only while no commit holds the gate; a commit after that answer is
/// refused, so a 503 for the deadline means nothing was changed.
class CommitGate
{
public:
	CommitGate() = default;
	CommitGate(const CommitGate&) = delete;
	CommitGate& operator=(const CommitGate&) = delete;
	CommitGate(CommitGate&&) = delete;
	CommitGate& operator=(CommitGate&&) = delete;
	virtual ~CommitGate() = default;
	/// Before COMMIT: false when the request has been answered already (the
	/// transaction then rolls back); true holds the gate until leave().
	virtual bool enter() = 0;
	virtual void leave() = 0;
};

/// A transaction on the thread's connection: begun by the constructor,
/// rolled back by the destructor unless commit() was called.
///
/// Transactions nest by joining: one begun while another is open on the
/// thread (say a store's, inside the transaction that an Idempotency-Key
/// request wraps around its handler's write) is part of the outer one. Its
/// commit() only marks it done, and every statement until the outer commit
/// (autocommit ones included: autocommit is off) belongs to the outer
/// transaction. A joined transaction that ends without commit() (its work
/// threw) makes the outer one roll back: the outer commit() then throws
/// std::logic_error instead of committing half of the work.
class Transaction
{
public:
	Transaction();
	~Transaction();
	Transaction(const Transaction&) = delete;
	Transaction& operator=(const Transaction&) = delete;

	/// Commits, unless the thread's CommitGate refuses: then it throws
	/// Http::Unavailable and the destructor rolls back. Joined: marks this
	/// part done; the outer transaction commits.
	void commit();

	/// The gate the thread's commits pass (nullptr: none, e.g. nexusctl).
	static void setGate(CommitGate* gate);

	/// Whether a transaction is open on the thread.
	static bool open();

private:
	sql::Connection& _connection;
	bool _done = false;
	bool _joined = false; ///< begun inside another transaction of the thread
};

} // namespace Db
} // namespace Nexus
