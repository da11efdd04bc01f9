#include "audit/AuditLog.h"

#include "audit/AuditStore.h"
#include "audit/GroupCommit.h"
#include "auth/Principal.h"
#include "auth/Token.h"
#include "db/Database.h"
#include "http/HttpError.h"
#include "http/Request.h"
#include "metrics/Metrics.h"
#include "util/Random.h"
#include "util/Time.h"

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <pwd.h>
#include <unistd.h>

namespace Nexus {
namespace Audit {

namespace {

/// A row stamped now, with what every row holds.
Entry entryOf(const std::string& requestId, const std::string& principal, const std::string& action,
              const std::string& target, Outcome outcome, const std::string& client)
{
	Entry entry;
	entry.at = Time::toSql(Poco::Timestamp());
	entry.requestId = requestId;
	entry.principal = principal;
	entry.action = action;
	entry.target = target;
	entry.outcome = AuditLog::name(outcome);
	entry.client = client;
	entry.writeKey = Random::urlSafe(AuditStore::kWriteKeyBytes);
	return entry;
}

/// Counts and logs a row that could not be written, and throws the 503.
[[noreturn]] void failed(const Entry& entry, const std::exception& e)
{
	Metrics::auditFailure();
	// The pool log keeps what the table could not (never a secret: see AuditLog.h).
	Poco::Logger::get("audit").error(
	    "audit row not written: request %s, %s %s %s -> %s: %s", entry.requestId, entry.principal, entry.action,
	    AuditStore::fitText(entry.target, AuditStore::kMaxTargetChars), entry.outcome, std::string(e.what()));
	// A read-only database (read_only on) refuses every write, not only this row.
	const auto* sqlError = dynamic_cast<const sql::SQLException*>(&e);
	if (sqlError && Db::Database::isReadOnly(*sqlError)) throw Http::ReadOnly();
	throw Http::Unavailable("the audit log is unavailable");
}

/// Writes entry durably. Throws Http::Unavailable when it cannot.
void write(const Entry& entry)
{
	try
	{
		GroupCommit::instance().append(entry);
	}
	catch (const std::exception& e)
	{
		failed(entry, e);
	}
}

/// "operator:<login>" for the process's effective user ("operator:uid<n>"
/// when it has no name).
std::string operatorLabel()
{
	const passwd* pw = ::getpwuid(::geteuid());
	return std::string("operator:") + (pw && pw->pw_name ? pw->pw_name : "uid" + std::to_string(::geteuid()));
}

/// The request id of this nexusctl process's rows.
const std::string& operatorRequestId()
{
	static const std::string requestId = "nexusctl-" + Random::urlSafe(12);
	return requestId;
}

} // namespace

void AuditLog::record(const Http::Request& request, const Auth::Principal& principal, const std::string& action,
                      const std::string& target, Outcome outcome)
{
	write(entryOf(request.requestId(), principal.label(), action, target, outcome, request.clientAddress()));
}

void AuditLog::recordOperator(const std::string& action, const std::string& target, Outcome outcome)
{
	write(entryOf(operatorRequestId(), operatorLabel(), action, target, outcome, "local"));
}

Change::Change(const Http::Request& request, const Auth::Principal& principal, std::string action):
    Change(request.requestId(), principal.label(), std::move(action), request.clientAddress())
{}

Change Change::byOperator(std::string action)
{
	return Change(operatorRequestId(), operatorLabel(), std::move(action), "local");
}

void Change::write(const std::string& target) const
{
	const Entry entry = entryOf(_requestId, _principal, _action, target, Outcome::Ok, _client);
	try
	{
		AuditStore::insert(entry);
	}
	catch (const sql::SQLException& e)
	{
		// Database::run retries the whole transaction after these.
		if (Db::Database::isRetryable(e) || Db::Database::connectionLost(e)) throw;
		failed(entry, e);
	}
}

const char* AuditLog::name(Outcome outcome)
{
	switch (outcome)
	{
	case Outcome::Ok: return "ok";
	case Outcome::Denied: return "denied";
	case Outcome::Error: return "error";
	}
	return "error";
}

} // namespace Audit
} // namespace Nexus
