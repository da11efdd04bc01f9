#include "audit/AuditLog.h"

#include "audit/AuditStore.h"
#include "audit/GroupCommit.h"
#include "auth/Principal.h"
#include "http/HttpError.h"
#include "http/Request.h"
#include "server/Metrics.h"
#include "util/Time.h"

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

namespace Nexus {
namespace Audit {

void AuditLog::record(const Http::Request& request, const Auth::Principal& principal, const std::string& action,
                      const std::string& target, Outcome outcome)
{
	Entry entry;
	entry.at = Time::toSql(Poco::Timestamp());
	entry.requestId = request.requestId();
	entry.principal = principal.label();
	entry.action = action;
	entry.target = target;
	entry.outcome = name(outcome);
	entry.client = request.clientAddress();
	try
	{
		GroupCommit::instance().append(entry);
	}
	catch (const std::exception& e)
	{
		Metrics::auditFailure();
		// The pool log keeps what the table could not (never a secret: see AuditLog.h).
		Poco::Logger::get("audit").error("audit row not written: request %s, %s %s %s -> %s: %s", request.requestId(),
		                                 entry.principal, action,
		                                 AuditStore::fitText(target, AuditStore::kMaxTargetChars),
		                                 std::string(entry.outcome), std::string(e.what()));
		throw Http::Unavailable("the audit log is unavailable");
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
