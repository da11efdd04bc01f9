#include "audit/AccessAudit.h"

#include "audit/AuditLog.h"
#include "audit/FailureThrottle.h"
#include "http/HttpError.h"
#include "http/Request.h"

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <memory>

namespace Nexus {
namespace Audit {

namespace {

std::unique_ptr<FailureThrottle>& throttle()
{
	static std::unique_ptr<FailureThrottle> instance = std::make_unique<FailureThrottle>(10, "this caller");
	return instance;
}

} // namespace

void AccessAudit::configure(std::size_t perMinute)
{
	throttle() = std::make_unique<FailureThrottle>(perMinute, "this caller");
}

void AccessAudit::check(const Http::Request& request, const Auth::Principal& principal, Auth::Access access,
                        const Auth::RequestFacts& facts)
{
	try
	{
		Auth::Policy::check(access, principal, facts);
	}
	catch (const Http::Forbidden&)
	{
		recordRefusal(*throttle(), request, principal, "access.denied",
		              principal.label() + "@" + request.clientAddress(), request.method() + " " + request.path());
		throw;
	}
}

void recordRefusal(FailureThrottle& throttle, const Http::Request& request, const Auth::Principal& principal,
                   const std::string& action, const std::string& key, const std::string& target)
{
	const auto minute = static_cast<std::int64_t>(Poco::Timestamp().epochTime() / 60);
	const auto admitted = throttle.admit(key, target, minute);
	if (!admitted) return;
	try
	{
		AuditLog::record(request, principal, action, *admitted, Outcome::Denied);
	}
	catch (const std::exception& e)
	{
		Poco::Logger::get("http").warning("request %s: %s not audited: %s", request.requestId(), action,
		                                  std::string(e.what()));
	}
}

} // namespace Audit
} // namespace Nexus
