#include "routing/Router.h"

#include "http/HttpError.h"

#include <stdexcept>

namespace Nexus {
namespace Routing {

namespace {

std::vector<std::string> splitPattern(const std::string& pattern)
{
	std::vector<std::string> parts;
	std::size_t start = 1;
	while (start <= pattern.size())
	{
		auto end = pattern.find('/', start);
		if (end == std::string::npos) end = pattern.size();
		parts.push_back(pattern.substr(start, end - start));
		start = end + 1;
	}
	return parts;
}

} // namespace

void Router::add(const std::string& method, const std::string& pattern, Auth::Access access, Handler handler)
{
	for (const auto& r : _routes)
		if (r.method == method && r.pattern == pattern)
			throw std::logic_error("duplicate route " + method + " " + pattern);
	_routes.push_back(Route{method, pattern, access, std::move(handler), splitPattern(pattern), nullptr});
}

void Router::setVerifiedFastPath(const std::string& method, const std::string& pattern, VerifiedFastPath fastPath)
{
	for (auto& r : _routes)
	{
		if (r.method != method || r.pattern != pattern) continue;
		if (r.access != Auth::Access::AgentSelf && r.access != Auth::Access::Agent &&
		    r.access != Auth::Access::AgentToken)
			throw std::logic_error("a verified fast path needs an Agent or AgentSelf route");
		r.verifiedFastPath = std::move(fastPath);
		return;
	}
	throw std::logic_error("no route " + method + " " + pattern);
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments,
                     std::map<std::string, std::string>& params)
{
	if (route.parts.size() != segments.size()) return false;
	params.clear();
	for (std::size_t i = 0; i < segments.size(); ++i)
	{
		const std::string& part = route.parts[i];
		if (!part.empty() && part[0] == ':')
		{
			if (segments[i].empty()) return false;
			params[part.substr(1)] = segments[i];
		}
		else if (part != segments[i])
			return false;
	}
	return true;
}

Router::Match Router::match(const std::string& method, const std::vector<std::string>& segments) const
{
	const std::string wanted = method == "HEAD" ? "GET" : method;
	std::string allow;
	std::map<std::string, std::string> params;
	for (const auto& route : _routes)
	{
		if (!matches(route, segments, params)) continue;
		if (route.method == wanted) return Match{&route, params};
		if (allow.find(route.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + route.method;
	}
	if (allow.find("GET") != std::string::npos) allow += ", HEAD";
	if (!allow.empty()) throw Http::MethodNotAllowed(method, allow);
	throw Http::NotFound("no such resource");
}

} // namespace Routing
} // namespace Nexus
