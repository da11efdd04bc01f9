#pragma once

#include "auth/Policy.h"

#include <cstddef>
#include <string>

namespace Nexus {
namespace Http {
class Request;
}

namespace Audit {

/// Auth::Policy::check for a request, with its refusals audited: a 403 is
/// written as an "access.denied" row (the principal that tried; target: the
/// request's method and path) before it goes out, as far as a
/// FailureThrottle per caller (principal and client address) admits it, so
/// a flood of refusals can neither fill the log nor load the database. When
/// that row cannot be written the 403 still goes out (the pool log says
/// so). The way every access rule is applied to a request: the Service for
/// each route's rule, a resource for a rule that depends on the request's
/// content (memories: whose agent).
class AccessAudit
{
public:
	/// How many refusals per caller and minute get a row each
	/// (audit.auth_failed_per_minute); call once per process, before
	/// requests are served. Until then: 10.
	static void configure(std::size_t perMinute);

	/// Policy::check(access, principal, facts); a Forbidden is audited, then
	/// rethrown. Unauthorized propagates unaudited (Service audits it).
	static void check(const Http::Request& request, const Auth::Principal& principal, Auth::Access access,
	                  const Auth::RequestFacts& facts);
};

class FailureThrottle;

/// Writes the "denied" row of a refusal (action, e.g. "auth.failed") as far
/// as throttle admits it: key is what is counted (a client address, or a
/// principal and address), target the row's target before the throttle
/// adds its count. A row that cannot be written is logged, never thrown:
/// the refusal goes out all the same.
void recordRefusal(FailureThrottle& throttle, const Http::Request& request, const Auth::Principal& principal,
                   const std::string& action, const std::string& key, const std::string& target);

} // namespace Audit
} // namespace Nexus
