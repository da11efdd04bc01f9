#pragma once

#include <string>

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
/// calls them before it sends anything. The hash chain over the rows is
/// added later by the sealer (src/audit/Sealer.h), so writers never queue
/// behind one lock.
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

} // namespace Audit
} // namespace Nexus
