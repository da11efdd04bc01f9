#pragma once

#include <string>
#include <utility>

namespace Nexus {
namespace Http {
class Request;
}
namespace Auth {
struct Principal;
}

namespace Audit {

/// How an audited action ended.
enum class Outcome
{
	Ok,
	Denied,
	Error
};

/// The one way anything is written to the audit log (table audit_log).
///
/// A row holds: time, request id, principal label (admin, agent:<slug>,
/// user:<id>, anonymous; operator:<unix user> for nexusctl), action (e.g.
/// "secret.read", "token.create"), target (e.g. "secret:42", "agent:addy"),
/// outcome and client address ("local" for nexusctl). Never a token, a key
/// or a secret value.
///
/// record() and recordOperator() write and commit their row before they
/// return (durable), so a caller that must fail closed (a secret read)
/// calls them before it sends anything. A change (a write) is audited
/// instead through a Change, inside the change's own transaction. The hash
/// chain over the rows is added later by the sealer (src/audit/Sealer.h),
/// so writers never queue behind one lock.
class AuditLog
{
public:
	/// Writes one row for an HTTP request. Throws Http::Unavailable when it
	/// cannot be written.
	static void record(const Http::Request& request, const Auth::Principal& principal, const std::string& action,
	                   const std::string& target, Outcome outcome);

	/// Writes one row for an action that does not come through HTTP: the
	/// operator's, with nexusctl on this host. The principal is
	/// "operator:<unix user>" (the effective user), the client "local", the
	/// request id "nexusctl-<random>", one per process, so that the rows of
	/// one nexusctl run share it. Throws Http::Unavailable like record().
	static void recordOperator(const std::string& action, const std::string& target, Outcome outcome);

	/// "ok", "denied" or "error".
	static const char* name(Outcome outcome);
};

/// The audit row of one change (a secret, profile, model, assignment, token
/// or knowledge write): who, what and from where, made by the resource and
/// handed to the store, which writes it with write() inside the change's
/// own transaction, just before it commits. The change and its row are thus
/// committed together or not at all: when the row cannot be written the
/// change is rolled back and the caller gets a 503, never an unaudited
/// change. The outcome is "ok" (a change that fails is not made, so there is
/// nothing to audit; refusals are audited where they are decided).
class Change
{
public:
	/// A change an HTTP request makes.
	Change(const Http::Request& request, const Auth::Principal& principal, std::string action);

	/// A change the operator makes with nexusctl on this host (the
	/// principal, client and request id of AuditLog::recordOperator).
	static Change byOperator(std::string action);

	/// Inserts the row for target (e.g. "secret:42") on the thread's
	/// connection, inside the change's transaction (Db::Transaction), which
	/// commits it with the change. A lost connection or a deadlock propagates
	/// as sql::SQLException, so Database::run retries the whole transaction;
	/// any other failure throws Http::Unavailable (the transaction then
	/// rolls back).
	void write(const std::string& target) const;

	const std::string& action() const { return _action; }

private:
	Change(std::string requestId, std::string principal, std::string action, std::string client):
	    _requestId(std::move(requestId)), _principal(std::move(principal)), _action(std::move(action)),
	    _client(std::move(client))
	{}

	std::string _requestId;
	std::string _principal;
	std::string _action;
	std::string _client;
};

} // namespace Audit
} // namespace Nexus
