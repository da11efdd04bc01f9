#include "db/Database.h"

#include "http/HttpError.h"
#include "metrics/Metrics.h"
#include "util/Integer.h"

#include <Poco/Logger.h>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <algorithm>
#include <list>
#include <memory>
#include <unordered_map>
#include <utility>

namespace Nexus {
namespace Db {

namespace {

sql::mysql::MySQL_Driver* gDriver = nullptr;
DbSettings gSettings;

/// The prepared statements of one connection by SQL text, at most capacity
/// of them: a new one beyond that closes the least recently used (its
/// server-side statement with it), so no mix of queries can exhaust the
/// server's max_prepared_stmt_count. capacity is far above the number of
/// statements one request holds at once, so the one evicted is never still
/// in use.
class StatementCache
{
public:
	/// The statement for sql, prepared on connection when it is not cached.
	sql::PreparedStatement& get(sql::Connection& connection, const std::string& sql, std::size_t capacity)
	{
		if (auto it = _index.find(sql); it != _index.end())
		{
			_order.splice(_order.begin(), _order, it->second); // now the most recently used
			return *it->second->second;
		}
		std::unique_ptr<sql::PreparedStatement> statement(connection.prepareStatement(sql));
		while (!_order.empty() && _order.size() >= capacity)
		{
			_index.erase(_order.back().first);
			_order.pop_back(); // deleting the statement closes it on the server
			Metrics::statementEvicted();
		}
		_order.emplace_front(sql, std::move(statement));
		_index.emplace(_order.front().first, _order.begin());
		return *_order.front().second;
	}

	std::size_t size() const { return _order.size(); }

	void clear()
	{
		_index.clear();
		_order.clear();
	}

private:
	using Entry = std::pair<std::string, std::unique_ptr<sql::PreparedStatement>>;
	std::list<Entry> _order; ///< most recently used first
	std::unordered_map<std::string, std::list<Entry>::iterator> _index;
};

struct ThreadState
{
	// Declared first so it is destroyed last: statements die before their connection.
	std::unique_ptr<sql::Connection> connection;
	StatementCache statements;
	/// connection's state is unknown (Database::discardBeforeNextUse): the
	/// next connection() opens a new one.
	bool inDoubt = false;

	ThreadState() = default;
	ThreadState(const ThreadState&) = delete;
	ThreadState& operator=(const ThreadState&) = delete;
	~ThreadState() { reset(); }

	void reset()
	{
		inDoubt = false;
		statements.clear();
		if (connection)
		{
			try
			{
				connection->close();
			}
			catch (const sql::SQLException&)
			{}
		}
		connection.reset();
	}
};

thread_local ThreadState tState;

} // namespace

void Database::init(const DbSettings& settings)
{
	gSettings = settings;
	gDriver = sql::mysql::get_mysql_driver_instance();
}

void Database::threadInit()
{
	if (gDriver) gDriver->threadInit();
}

void Database::threadEnd()
{
	tState.reset();
	if (gDriver) gDriver->threadEnd();
}

std::vector<std::pair<std::string, int>> Database::servers(const DbSettings& settings)
{
	std::vector<std::pair<std::string, int>> out;
	for (const auto& server : settings.hosts)
	{
		const auto colon = server.rfind(':');
		if (colon == std::string::npos) continue; // Settings refused it already
		const auto port = parseInteger(server.substr(colon + 1));
		out.emplace_back(server.substr(0, colon), static_cast<int>(port.value_or(3306)));
	}
	if (out.empty()) out.emplace_back(settings.host, settings.port);
	return out;
}

namespace {

/// Opens a connection to one server (host and port, or the socket) and sets
/// the session up; throws sql::SQLException when it cannot, or when it is a
/// Galera node that is not ready.
std::unique_ptr<sql::Connection> open(const std::string& host, int port)
{
	sql::ConnectOptionsMap options;
	if (!gSettings.socket.empty())
	{
		options["hostName"] = sql::SQLString("localhost");
		options["socket"] = sql::SQLString(gSettings.socket);
	}
	else
	{
		options["hostName"] = sql::SQLString(host);
		options["port"] = port;
	}
	options["userName"] = sql::SQLString(gSettings.user);
	options["password"] = sql::SQLString(gSettings.password);
	options["schema"] = sql::SQLString(gSettings.name);
	options["OPT_CONNECT_TIMEOUT"] = gSettings.connectTimeoutS;
	options["OPT_READ_TIMEOUT"] = gSettings.readTimeoutS;
	options["OPT_WRITE_TIMEOUT"] = gSettings.readTimeoutS;
	options["OPT_RECONNECT"] = false;
	// UPDATE reports matched rows, so "0 rows" always means "no such row".
	options["CLIENT_FOUND_ROWS"] = true;
	options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
	std::unique_ptr<sql::Connection> connection(gDriver->connect(options));
	std::unique_ptr<sql::Statement> st(connection->createStatement());
	// group_concat_max_len: MySQL's default (1 KiB) would cut lists such as a
	// secret's allowed profiles short.
	st->execute("SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE', "
	            "group_concat_max_len = 1048576");
	// A Galera node: only one that is ready, and causal reads (README
	// "Scaling out"). A server without wsrep answers 0 (MariaDB) or has no
	// such variable (MySQL, 1193).
	bool galera = false;
	try
	{
		std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT @@wsrep_on"));
		galera = rs->next() && rs->getInt(1) == 1;
	}
	catch (const sql::SQLException& e)
	{
		if (e.getErrorCode() != 1193) throw; // ER_UNKNOWN_SYSTEM_VARIABLE
	}
	if (galera)
	{
		std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SHOW STATUS LIKE 'wsrep_ready'"));
		if (!rs->next() || rs->getString(2) != "ON")
			throw sql::SQLException("the Galera node is not ready (wsrep_ready is not ON)", "08S01", 1047);
		// 7: reads, UPDATE/DELETE and INSERT/REPLACE wait until the node has
		// applied what the cluster committed before them. Not only reads: a
		// client's next write through another node would otherwise meet its
		// own last one still unapplied there and fail certification.
		st->execute("SET SESSION wsrep_sync_wait = 7");
	}
	return connection;
}

} // namespace

sql::Connection& Database::connection()
{
	if (tState.inDoubt) tState.reset();
	if (tState.connection) return *tState.connection;
	if (!gDriver) throw std::logic_error("Database::init was not called");

	// Over the socket, the one server; else each in order until one answers.
	const auto all = gSettings.socket.empty() ? servers(gSettings) : std::vector<std::pair<std::string, int>>{{"", 0}};
	for (std::size_t i = 0; i < all.size(); ++i)
	{
		try
		{
			tState.connection = open(all[i].first, all[i].second);
			return *tState.connection;
		}
		catch (const sql::SQLException& e)
		{
			Metrics::databaseError();
			tState.reset();
			const std::string where =
			    gSettings.socket.empty() ? all[i].first + ":" + std::to_string(all[i].second) : gSettings.socket;
			Poco::Logger::get("db").warning("cannot connect to the database at %s: %s (error %d)", where,
			                                std::string(e.what()), e.getErrorCode());
		}
	}
	throw Http::Unavailable("the database is unavailable");
}

sql::PreparedStatement& Database::prepare(const std::string& sql)
{
	auto& connection = Database::connection();
	// A DbSettings made outside Settings (zeroed) still gets a working cache.
	const auto capacity = static_cast<std::size_t>(std::max(gSettings.statementCacheSize, kMinStatementCache));
	auto& statement = tState.statements.get(connection, sql, capacity);
	statement.clearParameters();
	return statement;
}

std::size_t Database::cachedStatements()
{
	return tState.statements.size();
}

void Database::discard()
{
	tState.reset();
}

void Database::discardBeforeNextUse()
{
	if (tState.connection) tState.inDoubt = true;
}

std::uint64_t Database::lastInsertId()
{
	auto& st = prepare("SELECT LAST_INSERT_ID()");
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	rs->next();
	return rs->getUInt64(1);
}

bool Database::isConnectionError(const sql::SQLException& e)
{
	switch (e.getErrorCode())
	{
	case 1047: // ER_UNKNOWN_COM_ERROR: a Galera node without quorum (WSREP has not yet prepared node for application
	           // use)
	case 1053: // ER_SERVER_SHUTDOWN
	case 1927: // ER_CONNECTION_KILLED
	case 2002: // CR_CONNECTION_ERROR
	case 2003: // CR_CONN_HOST_ERROR
	case 2006: // CR_SERVER_GONE_ERROR
	case 2013: // CR_SERVER_LOST
	case 2055: // CR_SERVER_LOST_EXTENDED
	case 4031: // ER_CLIENT_INTERACTION_TIMEOUT
		return true;
	default:
		// 08S01: communication link failure, also how Galera says 1047.
		return e.getSQLState() == "08S01";
	}
}

bool Database::isDataError(const sql::SQLException& e)
{
	switch (e.getErrorCode())
	{
	case 1264: // ER_WARN_DATA_OUT_OF_RANGE
	case 1267: // ER_CANT_AGGREGATE_2COLLATIONS: non-ASCII text against an ASCII column
	case 1270: // ER_CANT_AGGREGATE_3COLLATIONS
	case 1271: // ER_CANT_AGGREGATE_NCOLLATIONS
	case 1292: // ER_TRUNCATED_WRONG_VALUE
	case 1366: // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: text the column's character set cannot hold
	case 1406: // ER_DATA_TOO_LONG
	case 1690: // ER_DATA_OUT_OF_RANGE
	case 4025: // ER_CONSTRAINT_FAILED (a CHECK, e.g. JSON_VALID)
		return true;
	default: return false;
	}
}

bool Database::isReadOnly(const sql::SQLException& e)
{
	// 1290 is also what --skip-grant-tables and other options answer; the
	// pool meets it only for read_only (and super_read_only on MySQL).
	return e.getErrorCode() == 1290 || e.getErrorCode() == 1836;
}

bool Database::isRetryable(const sql::SQLException& e)
{
	// 1213: deadlock, also how Galera reports a certification conflict.
	return e.getErrorCode() == 1213;
}

Database::Recovery Database::recovery(const sql::SQLException& e, int attempt, bool lost)
{
	if (lost) return attempt < 2 ? Recovery::Reconnect : Recovery::Unavailable;
	if (isRetryable(e) && attempt < kMaxAttempts) return Recovery::Retry;
	return Recovery::Rethrow;
}

bool Database::connectionLost(const sql::SQLException& e)
{
	if (isConnectionError(e)) return true;
	if (!tState.connection) return false;
	// Connector/C++ reports some failures on a dead connection with no code.
	try
	{
		return !tState.connection->isValid();
	}
	catch (const sql::SQLException&)
	{
		return true;
	}
}

void Database::handleFailure(const sql::SQLException& e, int attempt)
{
	Metrics::databaseError();
	const bool lost = connectionLost(e);
	switch (recovery(e, attempt, lost))
	{
	case Recovery::Retry: return;
	case Recovery::Reconnect: discard(); return;
	case Recovery::Unavailable:
		discard();
		Poco::Logger::get("db").warning("database connection lost: %s (error %d)", std::string(e.what()),
		                                e.getErrorCode());
		throw Http::Unavailable("the database is unavailable");
	case Recovery::Rethrow: break;
	}
	throw;
}

namespace {
/// Whether the thread has an open (outermost) Transaction, and whether a
/// transaction joined to it ended without commit().
thread_local bool tOpen = false;
thread_local bool tRollbackOnly = false;
} // namespace

bool Database::inTransaction()
{
	return tOpen;
}

bool Transaction::open()
{
	return tOpen;
}

Transaction::Transaction(): _connection(Database::connection())
{
	if (tOpen)
	{
		_joined = true;
		return;
	}
	_connection.setAutoCommit(false);
	tOpen = true;
	tRollbackOnly = false;
}

Transaction::~Transaction()
{
	if (_joined)
	{
		if (!_done) tRollbackOnly = true;
		return;
	}
	if (_done) return;
	tOpen = false;
	tRollbackOnly = false;
	try
	{
		_connection.rollback();
		_connection.setAutoCommit(true);
	}
	catch (const sql::SQLException&)
	{
		// The connection is broken; Database::run discards it.
	}
}

namespace {
thread_local CommitGate* tGate = nullptr;
}

void Transaction::setGate(CommitGate* gate)
{
	tGate = gate;
}

void Transaction::commit()
{
	if (_joined)
	{
		_done = true;
		return;
	}
	if (tRollbackOnly) throw std::logic_error("a transaction joined to this one ended without committing");
	CommitGate* const gate = tGate;
	if (gate && !gate->enter())
		throw Http::Unavailable("the request passed its deadline and was answered; nothing was changed");
	try
	{
		// COMMIT as a statement, not _connection.commit(): Connector/C++'s
		// commit() returns normally when the server goes away during the
		// COMMIT (or, on Galera, refuses it with 1213 at certification), and
		// only the next call reports 2006. Measured: with commit(), kill -9 of
		// mariadbd under 6 committing threads lost 1-3 acknowledged
		// transactions in 2 of 4 runs; with this, none in 6.
		std::unique_ptr<sql::Statement> statement(_connection.createStatement());
		statement->execute("COMMIT");
	}
	catch (...)
	{
		if (gate) gate->leave();
		throw;
	}
	if (gate) gate->leave();
	_done = true;
	tOpen = false;
	try
	{
		_connection.setAutoCommit(true);
	}
	catch (const sql::SQLException& e)
	{
		// The COMMIT went through, so this must not throw: Database::run
		// would take the error for a lost connection and do the committed
		// work again (a second row for a write without a key). The
		// connection is gone or still outside autocommit; either way it is
		// not used again.
		Database::discardBeforeNextUse();
		Poco::Logger::get("db").warning("committed, then lost the connection: %s (error %d)", std::string(e.what()),
		                                e.getErrorCode());
	}
}

} // namespace Db
} // namespace Nexus
