#include "server/Service.h"

#include "admin/AuditResource.h"
#include "admin/OperatorResource.h"
#include "admin/OverviewPage.h"
#include "agents/AgentStore.h"
#include "agents/AgentsResource.h"
#include "assignments/AssignmentsResource.h"
#include "audit/AccessAudit.h"
#include "audit/AuditLog.h"
#include "audit/FailureThrottle.h"
#include "db/Database.h"
#include "http/Html.h"
#include "http/Json.h"
#include "idempotency/Idempotency.h"
#include "knowledge/KnowledgeResource.h"
#include "memories/MemoriesResource.h"
#include "metrics/Metrics.h"
#include "profiles/ProfilesResource.h"
#include "registry/RegistryResource.h"
#include "sso/SsoResource.h"
#include "ui/Csrf.h"
#include "ui/Page.h"
#include "util/Time.h"
#include "vault/Envelope.h"
#include "vault/KeyringCache.h"
#include "vault/VaultResource.h"

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <cppconn/exception.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

#include <unistd.h>

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
/// the 401 goes out, as far as throttle admits it (a flood is counted, not
/// written row by row); when that audit row cannot be written the 401 still
/// does.
Auth::Principal authenticate(const Auth::Authenticator& authenticator, Audit::FailureThrottle& throttle,
                             const Request& request)
{
	try
	{
		return authenticator.authenticate(request);
	}
	catch (const Http::Unauthorized&)
	{
		if (request.header("authorization"))
			Audit::recordRefusal(throttle, request, Auth::Principal::anonymous(), "auth.failed",
			                     request.clientAddress(), request.path());
		throw;
	}
}

/// Idempotency-Key's stored answers are sealed as secret values are: the
/// vault's envelope under the keyring's active key (a fresh data key each),
/// with the principal and the key as the record's identity, so no answer
/// (a token issue's carries the new token) is at rest in clear, and one
/// copied to another principal's or key's row does not open. A record under
/// a key since removed from the keyring no longer opens (its retry gets a
/// 500 saying so): retire a key only a retention window after rotating.
Idempotency::Sealing vaultSealing(const std::string& keyringFile)
{
	return {[keyringFile](const std::string& identity, const std::string& plaintext) {
		        return Vault::Envelope::seal(*Vault::KeyringCache::current(keyringFile), identity, plaintext);
	        },
	        [keyringFile](const std::string& identity, const std::string& record) {
		        return Vault::Envelope::open(*Vault::KeyringCache::current(keyringFile), identity, record);
	        }};
}

} // namespace

Service::Service(const Settings& settings):
    _settings(settings),
    _usage(std::make_unique<Auth::TokenUsage>(&Agents::AgentStore::recordTokenUse, settings.tokenUsageFlushS * 1000)),
    _authenticator(settings.adminTokenHash, &Agents::AgentStore::findByTokenHash,
                   Auth::TokenCacheSettings{settings.tokenCacheMs, settings.tokenNegativeCacheMs}, _usage.get()),
    _authFailures(
        std::make_unique<Audit::FailureThrottle>(static_cast<std::size_t>(settings.auditAuthFailedPerMinute))),
    _sso(std::make_unique<Sso::SsoResource>(settings))
{
	Audit::AccessAudit::configure(static_cast<std::size_t>(settings.auditAuthFailedPerMinute));
	Idempotency::Idempotency::configure(vaultSealing(settings.vaultKeyringFile), settings.idempotencyRetentionS);
	_router.add("GET", "/healthz", Auth::Access::Public, healthz);
	_router.add("GET", "/readyz", Auth::Access::Public, readyz);
	_sso->registerRoutes(_router);
	Agents::registerRoutes(_router, _settings);
	Vault::registerRoutes(_router, _settings);
	Knowledge::registerRoutes(_router, _settings);
	Profiles::registerRoutes(_router, _settings);
	Assignments::registerRoutes(_router, _settings);
	Registry::registerRoutes(_router, _settings);
	Memories::registerRoutes(_router, _settings);
	Admin::registerAuditLogRoutes(_router, _settings);
	Admin::registerOperatorRoutes(_router, _settings);
	Admin::registerOverviewRoute(_router, _settings);
}

Service::~Service() = default;

Response Service::handle(Request& request) const
{
	const auto start = std::chrono::steady_clock::now();
	Metrics::requestStarted();
	Outcome outcome;
	Response response = dispatch(request, outcome);
	finish(response, request.requestId());
	const auto micros = static_cast<std::uint64_t>(
	    std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
	Metrics::requestFinished();
	Metrics::observe(outcome.route, response.status(), micros);
	if (_settings.logRequests) logRequest(request, outcome, response.status(), micros);
	return response;
}

Response Service::dispatch(Request& request, Outcome& outcome) const
{
	Auth::Principal principal;
	try
	{
		const auto match = _router.match(request.method(), request.segments());
		outcome.route = static_cast<std::size_t>(match.route - _router.routes().data());
		request.setPathParams(match.params);
		shedIfQueuedTooLong(request);
		if (match.route->verifiedFastPath)
		{
			if (auto hash = _authenticator.agentTokenHash(request))
			{
				if (auto fast = match.route->verifiedFastPath(request, *hash, outcome.principal))
				{
					_usage->record(*hash);
					return *fast;
				}
			}
		}
		const Auth::Access access = match.route->access;
		principal = access == Auth::Access::Public ? Auth::Principal::anonymous()
		                                           : authenticate(_authenticator, *_authFailures, request);
		outcome.principal = principal.label();
		const bool read = request.method() == "GET" || request.method() == "HEAD";
		// A browser that opens a UI page without a session is sent to sign in;
		// API clients (a bearer, or not asking for HTML) get the JSON 401.
		const bool open = access == Auth::Access::Public || access == Auth::Access::Open;
		if (!open && principal.isAnonymous() && _settings.sso.enabled() && read && Http::Html::wanted(request))
			return Sso::SsoResource::redirectToGate(request);
		Audit::AccessAudit::check(request, principal, access,
		                          {request.pathParam("slug"), isLoopback(request.clientAddress()), read});
		// A change a session cookie authenticates must come from one of our
		// pages (ui/Csrf.h); bearer tokens are not sent by browsers on their own.
		if (principal.isUser() && !read) Ui::Csrf::check(request);
		return match.route->handler(request, principal);
	}
	catch (const Http::HttpError& e)
	{
		// A person in the browser gets the error as a page of the UI.
		if (Http::Html::wanted(request) && (principal.isUser() || e.status() == 404))
		{
			Response page = Ui::errorPage(request, principal, e.status(), e.code(), e.what());
			for (const auto& [name, value] : e.headers()) page.addHeader(name, value);
			return page;
		}
		return Response::error(e);
	}
	catch (const sql::SQLException& e)
	{
		if (Db::Database::isDataError(e))
		{
			// A value the edge let through (a path segment, a query
			// parameter, a field) that the database refuses: the caller's
			// mistake. Nothing was written (the transaction rolled back).
			Poco::Logger::get("http").information("request %s %s %s: refused by the database (error %d): %s",
			                                      request.requestId(), request.method(), request.path(),
			                                      e.getErrorCode(), std::string(e.what()));
			return Response::error(400, "bad_request",
			                       "a value in this request cannot be stored or compared: check that path "
			                       "segments and query parameters are what the route expects (slugs, scopes "
			                       "and names are ASCII) and that fields fit their limits");
		}
		if (Db::Database::isReadOnly(e))
		{
			// SET GLOBAL read_only = 1 (a failover, a full disk, maintenance):
			// the write was refused by its first statement and rolled back;
			// reads keep working. The database user must not have SUPER or
			// READ ONLY ADMIN, which ignore read_only (README.md).
			Poco::Logger::get("http").warning("request %s %s %s: the database is read-only (error %d)",
			                                  request.requestId(), request.method(), request.path(), e.getErrorCode());
			return Response::error(Http::ReadOnly());
		}
		if (Db::Database::isRetryable(e))
		{
			// Deadlocked (or lost a cluster certification) on every attempt
			// Database::run made: nothing was written; worth a retry later.
			Poco::Logger::get("http").warning("request %s %s %s: still deadlocked after %d attempts",
			                                  request.requestId(), request.method(), request.path(),
			                                  Db::Database::kMaxAttempts);
			return Response::error(Http::Unavailable("the database is busy with conflicting writes; retry"));
		}
		Poco::Logger::get("http").error("request %s %s %s failed: database error %d: %s", request.requestId(),
		                                request.method(), request.path(), e.getErrorCode(), std::string(e.what()));
		return Response::error(500, "internal", "internal error; quote request id " + request.requestId());
	}
	catch (const std::exception& e)
	{
		Poco::Logger::get("http").error("request %s %s %s failed: %s", request.requestId(), request.method(),
		                                request.path(), std::string(e.what()));
		return Response::error(500, "internal", "internal error; quote request id " + request.requestId());
	}
}

void Service::logRequest(const Request& request, const Outcome& outcome, int status, std::uint64_t micros) const
{
	Poco::JSON::Object line(Poco::JSON_PRESERVE_KEY_ORDER);
	line.set("ts", Time::toRfc3339(Poco::Timestamp()));
	line.set("request_id", request.requestId());
	line.set("method", request.method());
	line.set("route", outcome.route < _router.routes().size() ? _router.routes()[outcome.route].pattern : "(none)");
	line.set("status", status);
	line.set("duration_ms", static_cast<double>(micros) / 1000.0);
	line.set("principal", outcome.principal);
	line.set("client", request.clientAddress());
	std::string text = Http::Json::stringify(line) + "\n";
	// One write per line: lines from the threads and workers never interleave.
	[[maybe_unused]] const auto written = ::write(STDERR_FILENO, text.data(), text.size());
}

Service::QueueVerdict Service::queueVerdict(long long waitedMs, int timeoutMs)
{
	if (timeoutMs <= 0 || waitedMs <= timeoutMs) return QueueVerdict::Serve;
	const long long bound = std::max(kMaxQueueWaitMs, 2LL * timeoutMs);
	return waitedMs > bound ? QueueVerdict::Skew : QueueVerdict::Shed;
}

void Service::shedIfQueuedTooLong(const Request& request) const
{
	const auto queuedAt = request.queuedAtMs();
	if (_settings.queueTimeoutMs <= 0 || !queuedAt) return;
	const long long now = Poco::Timestamp().epochMicroseconds() / 1000;
	const long long waited = now - *queuedAt;
	switch (queueVerdict(waited, _settings.queueTimeoutMs))
	{
	case QueueVerdict::Serve: return;
	case QueueVerdict::Skew:
	{
		static std::atomic<long long> lastWarned{0};
		long long last = lastWarned.load(std::memory_order_relaxed);
		if (now - last >= kMaxQueueWaitMs && lastWarned.compare_exchange_strong(last, now))
			Poco::Logger::get("http").warning(
			    "a request was stamped by nginx %s ms before this host's clock: the clocks differ "
			    "(keep them in step with NTP); server.queue_timeout_ms ignores such waits",
			    std::to_string(waited));
		return;
	}
	case QueueVerdict::Shed: break;
	}
	Metrics::requestShed();
	throw Http::Overloaded("Nexus is busy: this request waited " + std::to_string(waited) +
	                       " ms for a worker (server.queue_timeout_ms " + std::to_string(_settings.queueTimeoutMs) +
	                       "); try again");
}

bool Service::isLoopback(const std::string& address)
{
	return address == "::1" || address.rfind("127.", 0) == 0 || address.rfind("::ffff:127.", 0) == 0;
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
