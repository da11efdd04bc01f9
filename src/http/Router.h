#pragma once

#include "auth/Policy.h"
#include "http/Request.h"
#include "http/Response.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {

/// Maps (method, path) to a handler and its access rule.
/// Patterns are literal segments and ":name" parameters matching exactly one
/// (percent-decoded) segment: "/api/agents/:slug/token/:tokenHash".
class Router
{
public:
	using Handler = std::function<Response(const Request&, const Auth::Principal&)>;

	struct Route
	{
		std::string method;
		std::string pattern;
		Auth::Access access;
		Handler handler;
		std::vector<std::string> parts; ///< pattern split into segments
	};

	struct Match
	{
		const Route* route;
		std::map<std::string, std::string> params;
	};

	Router() = default;
	Router(const Router&) = delete;
	Router& operator=(const Router&) = delete;

	/// Adds a route. Throws std::logic_error on a duplicate (method, pattern).
	void add(const std::string& method, const std::string& pattern, Auth::Access access, Handler handler);

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

} // namespace Http
} // namespace Nexus
