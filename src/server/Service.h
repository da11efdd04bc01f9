#pragma once

#include "auth/Authenticator.h"
#include "auth/TokenUsage.h"
#include "config/Settings.h"
#include "http/HttpError.h"
#include "http/Request.h"
#include "http/Response.h"
#include "metrics/PoolStats.h"
#include "routing/Router.h"

#include <memory>

namespace Nexus {
namespace Audit {
class FailureThrottle;
}
namespace Sso {
class SsoResource;
}

/// The application as one function: a Request in, a Response out.
/// Owns the router (every route and its access rule) and is the one place
/// where exceptions become JSON error responses.
class Service
{
public:
	/// settings must outlive the service.
	/// Throws Oidc::ConfigurationError when sign-in is on (sso.issuer) and
	/// its settings are unusable.
	explicit Service(const Settings& settings);
	~Service();
	Service(const Service&) = delete;
	Service& operator=(const Service&) = delete;
	Service(Service&&) = delete;
	Service& operator=(Service&&) = delete;

	/// Routes, authenticates, checks the policy and runs the handler.
	/// Never throws: every failure is a JSON error response. Every response
	/// carries X-Request-Id.
	Http::Response handle(Http::Request& request) const;

	/// The error response for a request that could not even be built or read
	/// (bad encoding, body too large), with the same headers handle() adds.
	static Http::Response reject(const std::string& requestId, const Http::HttpError& error);

	const Routing::Router& router() const { return _router; }

	/// The agent tokens this process saw, for last_used_at; the worker
	/// runs its flush thread (Auth::TokenUsage::start, stop).
	Auth::TokenUsage& tokenUsage() const { return *_usage; }

	/// True for a loopback client address (127.0.0.0/8, ::1).
	static bool isLoopback(const std::string& address);

	/// What a worker does with a request that waited waitedMs between nginx
	/// and its thread (nginx's clock against ours), with server.queue_timeout_ms
	/// timeoutMs (0: no shedding).
	enum class QueueVerdict
	{
		Serve, ///< within the timeout (or shedding is off)
		Shed,  ///< waited too long: 503 overloaded, before any work
		Skew   ///< a wait over kMaxQueueWaitMs (and twice timeoutMs): the clocks differ, not a queue; served
	};
	static QueueVerdict queueVerdict(long long waitedMs, int timeoutMs);
	/// The longest wait taken for a real one. No request waits a minute in
	/// the listen queue (nginx gives up on it first: fastcgi_read_timeout);
	/// a longer "wait" means this host's clock runs ahead of nginx's, and
	/// shedding on it would refuse every request.
	static constexpr long long kMaxQueueWaitMs = 60000;

private:
	/// Throws Http::Overloaded when request waited between nginx and this
	/// thread for longer than server.queue_timeout_ms (nginx's clock against
	/// ours: the pool and nginx need clocks in step, as NTP keeps them);
	/// logs a warning, at most once a minute, for a queueVerdict of Skew.
	void shedIfQueuedTooLong(const Http::Request& request) const;

	/// What dispatch learned about a request, for the metrics and the request log.
	struct Outcome
	{
		std::size_t route = PoolStats::kRoutes; ///< index in the router; kRoutes: none matched
		std::string principal = "anonymous";
	};

	Http::Response dispatch(Http::Request& request, Outcome& outcome) const;
	void logRequest(const Http::Request& request, const Outcome& outcome, int status, std::uint64_t micros) const;
	static void finish(Http::Response& response, const std::string& requestId);

	const Settings& _settings;
	std::unique_ptr<Auth::TokenUsage> _usage; ///< before _authenticator, which records into it
	Auth::Authenticator _authenticator;
	/// Which refused authentications get an audit row (a flood is counted).
	std::unique_ptr<Audit::FailureThrottle> _authFailures;
	std::unique_ptr<Sso::SsoResource> _sso; ///< before _router, whose routes use it
	Routing::Router _router;
};

} // namespace Nexus
