#pragma once

#include "auth/Policy.h"
#include "http/Request.h"
#include "http/Response.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Routing {

/// Maps (method, path) to a handler and its access rule.
/// Patterns are literal segments and ":name" parameters matching exactly one
/// (percent-decoded) segment: "/api/agents/:slug/token/:tokenHash".
class Router
{
public:
	using Handler = std::function<Http::Response(const Http::Request&, const Auth::Principal&)>;

	/// An optional shortcut for a hot Agent or AgentSelf route: given the
	/// SHA-256 of the request's agent token, it does the work only if its own
	/// SQL proves, in the same statement, that the token is active (and, for
	/// AgentSelf, belongs to the route's :slug), acting as that token's
	/// agent, and returns the response; otherwise it returns nullopt and must
	/// have changed nothing. It never throws for bad input (it
	/// declines instead), so every error comes from the normal path, exactly
	/// as without the shortcut. Saves the separate authentication query.
	/// Once its SQL has proven the token, it sets principal to that agent's
	/// label (Principal::label(), for the request log), so that its answer,
	/// or an error thrown while it answers (a 403, a 503), names the agent;
	/// when it declines it leaves principal alone.
	using VerifiedFastPath = std::function<std::optional<Http::Response>(
	    const Http::Request&, const std::string& tokenHash, std::string& principal)>;

	struct Route
	{
		std::string method;
		std::string pattern;
		Auth::Access access;
		Handler handler;
		std::vector<std::string> parts;    ///< pattern split into segments
		VerifiedFastPath verifiedFastPath; ///< may be empty
	};

	struct Match
	{
		const Route* route;
		std::map<std::string, std::string> params;
	};

	Router() = default;
	Router(const Router&) = delete;
	Router& operator=(const Router&) = delete;
	~Router() = default;

	/// Adds a route. Throws std::logic_error on a duplicate (method, pattern).
	void add(const std::string& method, const std::string& pattern, Auth::Access access, Handler handler);

	/// Gives the route (method, pattern), which must exist and be Agent or AgentSelf,
	/// a VerifiedFastPath. Throws std::logic_error otherwise.
	void setVerifiedFastPath(const std::string& method, const std::string& pattern, VerifiedFastPath fastPath);

	/// The route for method and the request's segments. Throws NotFound when
	/// no pattern matches the path, MethodNotAllowed (with Allow) when one does
	/// but not for this method. HEAD matches GET routes.
	Match match(const std::string& method, const std::vector<std::string>& segments) const;

	/// Every route, in the order added (the policy table).
	const std::vector<Route>& routes() const { return _routes; }

private:
	static bool matches(const Route& route, const std::vector<std::string>& segments,
	                    std::map<std::string, std::string>& params);

	std::vector<Route> _routes;
};

} // namespace Routing
} // namespace Nexus
