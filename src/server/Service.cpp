#include "server/Service.h"

#include "admin/AuditResource.h"
#include "agents/AgentsResource.h"
#include "audit/AuditLog.h"
#include "db/Database.h"
#include "http/Json.h"
#include "vault/VaultResource.h"

#include <Poco/Logger.h>

#include <cppconn/exception.h>
#include <cppconn/resultset.h>

#include <memory>

namespace Nexus {

using Http::Request;
using Http::Response;

namespace {

Response healthz(const Request&, const Auth::Principal&)
{
	auto o = Http::Json::object();
	o->set("status", "ok");
	return Response::json(200, *o);
}

Response readyz(const Request&, const Auth::Principal&)
{
	Db::Database::run([] {
		auto& st = Db::Database::prepare("SELECT 1");
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		return rs->next();
	});
	auto o = Http::Json::object();
	o->set("status", "ready");
	return Response::json(200, *o);
}

/// The principal of the request's bearer token. A presented token (or
/// Authorization header) that is refused is audited as "auth.failed" before
/// the 401 goes out; when that audit row cannot be written the 401 still does.
Auth::Principal authenticate(const Auth::Authenticator& authenticator, const Request& request)
{
	try
	{
		return authenticator.authenticate(request);
	}
	catch (const Http::Unauthorized&)
	{
		if (request.header("authorization"))
		{
			try
			{
				Audit::AuditLog::record(request, Auth::Principal::anonymous(), "auth.failed", request.path(),
				                        Audit::Outcome::Denied);
			}
			catch (const std::exception& e)
			{
				Poco::Logger::get("http").warning("request %s: failed authentication not audited: %s",
				                                  request.requestId(), std::string(e.what()));
			}
		}
		throw;
	}
}

} // namespace

Service::Service(const Settings& settings): _settings(settings), _authenticator(settings.adminTokenHash)
{
	_router.add("GET", "/healthz", Auth::Access::Public, healthz);
	_router.add("GET", "/readyz", Auth::Access::Public, readyz);
	Agents::registerRoutes(_router, _settings);
	Vault::registerRoutes(_router, _settings);
	Admin::registerAuditLogRoutes(_router, _settings);
}

Response Service::handle(Request& request) const
{
	Response response;
	try
	{
		const auto match = _router.match(request.method(), request.segments());
		request.setPathParams(match.params);
		if (match.route->verifiedFastPath)
		{
			if (auto hash = _authenticator.agentTokenHash(request))
			{
				if (auto fast = match.route->verifiedFastPath(request, *hash))
				{
					finish(*fast, request.requestId());
					return *fast;
				}
			}
		}
		const Auth::Access access = match.route->access;
		const Auth::Principal principal =
		    access == Auth::Access::Public ? Auth::Principal::anonymous() : authenticate(_authenticator, request);
		Auth::Policy::check(access, principal, request.pathParam("slug"));
		response = match.route->handler(request, principal);
	}
	catch (const Http::HttpError& e)
	{
		response = Response::error(e);
	}
	catch (const sql::SQLException& e)
	{
		Poco::Logger::get("http").error("request %s %s %s failed: database error %d: %s", request.requestId(),
		                                request.method(), request.path(), e.getErrorCode(), std::string(e.what()));
		response = Response::error(500, "internal", "internal error; quote request id " + request.requestId());
	}
	catch (const std::exception& e)
	{
		Poco::Logger::get("http").error("request %s %s %s failed: %s", request.requestId(), request.method(),
		                                request.path(), std::string(e.what()));
		response = Response::error(500, "internal", "internal error; quote request id " + request.requestId());
	}
	finish(response, request.requestId());
	return response;
}

Response Service::reject(const std::string& requestId, const Http::HttpError& error)
{
	Response response = Response::error(error);
	finish(response, requestId);
	return response;
}

void Service::finish(Response& response, const std::string& requestId)
{
	response.addHeader("X-Request-Id", requestId);
	if (response.header("Cache-Control").empty()) response.addHeader("Cache-Control", "no-store");
}

} // namespace Nexus
