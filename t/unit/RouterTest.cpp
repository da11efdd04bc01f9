// Router: pattern matching, 404/405, HEAD, duplicates, verified fast paths and the route table.
#include "routing/Router.h"
#include "auth/Policy.h"
#include "http/HttpError.h"
#include "http/Request.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

using Nexus::Auth::Access;
using Nexus::Auth::Principal;
using Nexus::Http::HttpError;
using Nexus::Http::Request;
using Nexus::Http::Response;
using Nexus::Routing::Router;

using NexusTest::thrown;

namespace {

/// A handler that answers with its own name, so a test sees which route ran.
Router::Handler named(const std::string& name)
{
	return [name](const Request&, const Principal&) { return Response(200, "text/plain", name); };
}

/// The value of header name in e, or "" when e has none.
std::string headerOf(const HttpError& e, const std::string& name)
{
	for (const auto& h : e.headers())
		if (h.first == name) return h.second;
	return {};
}

/// A verified fast path that always declines.
Router::VerifiedFastPath fast()
{
	return [](const Request&, const std::string&, std::string&) { return std::optional<Response>(); };
}

/// The decoded segments of target, as the dispatcher passes them to match().
std::vector<std::string> segmentsOf(const std::string& target)
{
	return Request("GET", target).segments();
}

} // namespace

class RouterTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RouterTest);
	CPPUNIT_TEST(testLiteral);
	CPPUNIT_TEST(testRoot);
	CPPUNIT_TEST(testParams);
	CPPUNIT_TEST(testParamsAreDecoded);
	CPPUNIT_TEST(testParamDoesNotMatchEmptySegment);
	CPPUNIT_TEST(testSegmentCountMustMatch);
	CPPUNIT_TEST(testNotFound);
	CPPUNIT_TEST(testMethodNotAllowed);
	CPPUNIT_TEST(testAllowListsEveryMethodOnce);
	CPPUNIT_TEST(testHeadMatchesGet);
	CPPUNIT_TEST(testHeadWithoutGetIsNotAllowed);
	CPPUNIT_TEST(testDuplicateRouteThrows);
	CPPUNIT_TEST(testSamePatternOtherMethodIsNoDuplicate);
	CPPUNIT_TEST(testRoutesKeepOrder);
	CPPUNIT_TEST(testLiteralBesideParam);
	CPPUNIT_TEST(testAgentRoutes);
	CPPUNIT_TEST(testVerifiedFastPathOnlyOnAgentRoutes);
	CPPUNIT_TEST(testVerifiedFastPathNeedsItsRoute);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _router.reset(new Router); }

	void tearDown() override { _router.reset(); }

	void testLiteral()
	{
		_router->add("GET", "/healthz", Access::Public, named("healthz"));
		_router->add("GET", "/readyz", Access::Public, named("readyz"));
		const auto m = _router->match("GET", segmentsOf("/readyz"));
		CPPUNIT_ASSERT_EQUAL(std::string("/readyz"), m.route->pattern);
		CPPUNIT_ASSERT_EQUAL(std::string("readyz"), run(m));
		CPPUNIT_ASSERT(m.params.empty());
	}

	void testRoot()
	{
		_router->add("GET", "/", Access::Public, named("root"));
		CPPUNIT_ASSERT_EQUAL(std::string("root"), run(_router->match("GET", segmentsOf("/"))));
	}

	void testParams()
	{
		_router->add("DELETE", "/api/agents/:slug/token/:tokenHash", Access::Admin, named("revoke"));
		const auto m = _router->match("DELETE", segmentsOf("/api/agents/bob/token/abc123"));
		CPPUNIT_ASSERT_EQUAL(std::string("revoke"), run(m));
		CPPUNIT_ASSERT(Access::Admin == m.route->access);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), m.params.size());
		CPPUNIT_ASSERT_EQUAL(std::string("bob"), m.params.at("slug"));
		CPPUNIT_ASSERT_EQUAL(std::string("abc123"), m.params.at("tokenHash"));
	}

	void testParamsAreDecoded()
	{
		_router->add("GET", "/api/agents/:slug/profile", Access::Public, named("profile"));
		CPPUNIT_ASSERT_EQUAL(std::string("a b"),
		                     _router->match("GET", segmentsOf("/api/agents/a%20b/profile")).params.at("slug"));
		// An encoded slash stays inside the one segment the parameter binds.
		CPPUNIT_ASSERT_EQUAL(std::string("a/b"),
		                     _router->match("GET", segmentsOf("/api/agents/a%2Fb/profile")).params.at("slug"));
		CPPUNIT_ASSERT_EQUAL(std::string("\xC3\xA9t\xC3\xA9"),
		                     _router->match("GET", segmentsOf("/api/agents/%C3%A9t%C3%A9/profile")).params.at("slug"));
	}

	void testParamDoesNotMatchEmptySegment()
	{
		_router->add("GET", "/api/agents/:slug/profile", Access::Public, named("profile"));
		const auto e =
		    thrown<HttpError>([&] { _router->match("GET", segmentsOf("/api/agents//profile")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(404, e.status());
	}

	void testSegmentCountMustMatch()
	{
		_router->add("GET", "/api/agents/:slug", Access::Public, named("agent"));
		CPPUNIT_ASSERT_EQUAL(
		    404, thrown<HttpError>([&] { _router->match("GET", segmentsOf("/api/agents")); }, CPPUNIT_SOURCELINE())
		             .status());
		CPPUNIT_ASSERT_EQUAL(404, thrown<HttpError>([&] { _router->match("GET", segmentsOf("/api/agents/bob/x")); },
		                                            CPPUNIT_SOURCELINE())
		                              .status());
		// A trailing slash names the same resource.
		CPPUNIT_ASSERT_EQUAL(std::string("bob"),
		                     _router->match("GET", segmentsOf("/api/agents/bob/")).params.at("slug"));
	}

	void testNotFound()
	{
		_router->add("GET", "/api/agents", Access::Admin, named("list"));
		const auto e =
		    thrown<HttpError>([&] { _router->match("GET", segmentsOf("/api/nothing")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(404, e.status());
		CPPUNIT_ASSERT_EQUAL(std::string("not_found"), e.code());
		CPPUNIT_ASSERT_EQUAL(
		    404, thrown<Nexus::Http::NotFound>([&] { _router->match("POST", segmentsOf("/")); }, CPPUNIT_SOURCELINE())
		             .status());
	}

	void testMethodNotAllowed()
	{
		_router->add("POST", "/api/agents/register", Access::Public, named("register"));
		const auto e = thrown<Nexus::Http::MethodNotAllowed>(
		    [&] { _router->match("GET", segmentsOf("/api/agents/register")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(405, e.status());
		CPPUNIT_ASSERT_EQUAL(std::string("method_not_allowed"), e.code());
		CPPUNIT_ASSERT_EQUAL(std::string("POST"), headerOf(e, "Allow"));
	}

	void testAllowListsEveryMethodOnce()
	{
		_router->add("GET", "/api/agents/:slug/token", Access::Admin, named("get"));
		_router->add("PUT", "/api/agents/:slug/token", Access::Admin, named("put"));
		_router->add("GET", "/api/agents/bob/token", Access::Admin, named("bob"));
		_router->add("DELETE", "/api/agents/bob/token", Access::Admin, named("delete"));
		const auto e = thrown<HttpError>([&] { _router->match("POST", segmentsOf("/api/agents/bob/token")); },
		                                 CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(405, e.status());
		CPPUNIT_ASSERT_EQUAL(std::string("GET, PUT, DELETE, HEAD"), headerOf(e, "Allow"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), e.headers().size());
		// Another agent's path only has the methods of the :slug routes.
		const auto other = thrown<HttpError>([&] { _router->match("DELETE", segmentsOf("/api/agents/eve/token")); },
		                                     CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::string("GET, PUT, HEAD"), headerOf(other, "Allow"));
	}

	void testHeadMatchesGet()
	{
		_router->add("POST", "/api/agents", Access::Admin, named("create"));
		_router->add("GET", "/api/agents", Access::Admin, named("list"));
		const auto m = _router->match("HEAD", segmentsOf("/api/agents"));
		CPPUNIT_ASSERT_EQUAL(std::string("GET"), m.route->method);
		CPPUNIT_ASSERT_EQUAL(std::string("list"), run(m));
	}

	void testHeadWithoutGetIsNotAllowed()
	{
		_router->add("POST", "/api/agents/register", Access::Public, named("register"));
		const auto e = thrown<HttpError>([&] { _router->match("HEAD", segmentsOf("/api/agents/register")); },
		                                 CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(405, e.status());
		CPPUNIT_ASSERT_EQUAL(std::string("POST"), headerOf(e, "Allow"));
	}

	void testVerifiedFastPathOnlyOnAgentRoutes()
	{
		// A shortcut that skips authentication may only sit on a route whose rule
		// its own SQL can prove: Agent or AgentSelf. Every other rule is refused
		// when the route table is built, and the route keeps no shortcut.
		const std::vector<std::pair<Access, bool>> rules = {{Access::Public, false}, {Access::Agent, true},
		                                                    {Access::Reader, false}, {Access::AgentSelf, true},
		                                                    {Access::Admin, false},  {Access::AdminOrLocal, false}};
		for (const auto& rule : rules)
		{
			const std::string name = Nexus::Auth::Policy::name(rule.first);
			Router router;
			router.add("POST", "/api/agents/:slug/heartbeat", rule.first, named("beat"));
			if (rule.second)
				CPPUNIT_ASSERT_NO_THROW_MESSAGE(
				    name, router.setVerifiedFastPath("POST", "/api/agents/:slug/heartbeat", fast()));
			else
				CPPUNIT_ASSERT_THROW_MESSAGE(
				    name, router.setVerifiedFastPath("POST", "/api/agents/:slug/heartbeat", fast()), std::logic_error);
			const auto m = router.match("POST", segmentsOf("/api/agents/bob/heartbeat"));
			CPPUNIT_ASSERT_EQUAL_MESSAGE(name, rule.second, static_cast<bool>(m.route->verifiedFastPath));
		}
	}

	void testVerifiedFastPathNeedsItsRoute()
	{
		_router->add("POST", "/api/agents/:slug/heartbeat", Access::AgentSelf, named("beat"));
		CPPUNIT_ASSERT_THROW(_router->setVerifiedFastPath("PUT", "/api/agents/:slug/heartbeat", fast()),
		                     std::logic_error);
		CPPUNIT_ASSERT_THROW(_router->setVerifiedFastPath("POST", "/api/agents/:id/heartbeat", fast()),
		                     std::logic_error);
		CPPUNIT_ASSERT(!_router->match("POST", segmentsOf("/api/agents/bob/heartbeat")).route->verifiedFastPath);
	}

	void testDuplicateRouteThrows()
	{
		_router->add("GET", "/api/agents/:slug/profile", Access::Public, named("first"));
		CPPUNIT_ASSERT_THROW(_router->add("GET", "/api/agents/:slug/profile", Access::Admin, named("second")),
		                     std::logic_error);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), _router->routes().size());
		CPPUNIT_ASSERT_EQUAL(std::string("first"), run(_router->match("GET", segmentsOf("/api/agents/bob/profile"))));
	}

	void testSamePatternOtherMethodIsNoDuplicate()
	{
		_router->add("GET", "/api/agents", Access::Admin, named("list"));
		CPPUNIT_ASSERT_NO_THROW(_router->add("POST", "/api/agents", Access::Admin, named("create")));
		CPPUNIT_ASSERT_EQUAL(std::string("create"), run(_router->match("POST", segmentsOf("/api/agents"))));
	}

	void testRoutesKeepOrder()
	{
		_router->add("GET", "/z", Access::Public, named("z"));
		_router->add("POST", "/a/:x", Access::Agent, named("a"));
		_router->add("GET", "/m", Access::Admin, named("m"));
		const auto& routes = _router->routes();
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), routes.size());
		CPPUNIT_ASSERT_EQUAL(std::string("/z"), routes[0].pattern);
		CPPUNIT_ASSERT_EQUAL(std::string("POST"), routes[1].method);
		CPPUNIT_ASSERT_EQUAL(std::string("/a/:x"), routes[1].pattern);
		CPPUNIT_ASSERT(Access::Agent == routes[1].access);
		CPPUNIT_ASSERT_EQUAL(std::string("/m"), routes[2].pattern);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), routes[1].parts.size());
		CPPUNIT_ASSERT_EQUAL(std::string(":x"), routes[1].parts[1]);
	}

	void testLiteralBesideParam()
	{
		// Same segment count: the literal route and the :slug route share a path.
		_router->add("POST", "/api/agents/register", Access::Public, named("register"));
		_router->add("GET", "/api/agents/:slug", Access::Public, named("agent"));
		CPPUNIT_ASSERT_EQUAL(std::string("register"), run(_router->match("POST", segmentsOf("/api/agents/register"))));
		const auto m = _router->match("GET", segmentsOf("/api/agents/bob"));
		CPPUNIT_ASSERT_EQUAL(std::string("agent"), run(m));
		CPPUNIT_ASSERT_EQUAL(std::string("bob"), m.params.at("slug"));
		const auto e =
		    thrown<HttpError>([&] { _router->match("POST", segmentsOf("/api/agents/bob")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(405, e.status());
		CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), headerOf(e, "Allow"));
	}

	void testAgentRoutes()
	{
		// The table of src/agents/AgentsResource.cpp.
		_router->add("GET", "/api/agents", Access::Admin, named("list"));
		_router->add("POST", "/api/agents/register", Access::Public, named("register"));
		_router->add("GET", "/api/agents/:slug/profile", Access::Public, named("profile"));
		_router->add("POST", "/api/agents/:slug/heartbeat", Access::AgentSelf, named("heartbeat"));
		_router->add("PUT", "/api/agents/:slug/token", Access::Admin, named("rotate"));
		_router->add("DELETE", "/api/agents/:slug/token/:tokenHash", Access::Admin, named("revoke"));

		CPPUNIT_ASSERT_EQUAL(std::string("register"), run(_router->match("POST", segmentsOf("/api/agents/register"))));
		// "register" is a valid slug under the longer patterns.
		const auto profile = _router->match("GET", segmentsOf("/api/agents/register/profile"));
		CPPUNIT_ASSERT_EQUAL(std::string("profile"), run(profile));
		CPPUNIT_ASSERT_EQUAL(std::string("register"), profile.params.at("slug"));
		CPPUNIT_ASSERT_EQUAL(std::string("heartbeat"),
		                     run(_router->match("POST", segmentsOf("/api/agents/bob/heartbeat"))));

		const auto e =
		    thrown<HttpError>([&] { _router->match("GET", segmentsOf("/api/agents/register")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(405, e.status());
		CPPUNIT_ASSERT_EQUAL(std::string("POST"), headerOf(e, "Allow"));
		CPPUNIT_ASSERT_EQUAL(
		    404, thrown<HttpError>([&] { _router->match("GET", segmentsOf("/api/agents/bob")); }, CPPUNIT_SOURCELINE())
		             .status());
		const auto heartbeat = thrown<HttpError>(
		    [&] { _router->match("GET", segmentsOf("/api/agents/bob/heartbeat")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::string("POST"), headerOf(heartbeat, "Allow"));
	}

private:
	static std::string run(const Router::Match& m)
	{
		return m.route->handler(Request(), Principal::anonymous()).body();
	}

	std::unique_ptr<Router> _router;
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouterTest);
