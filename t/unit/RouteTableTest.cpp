// The policy table: every route the service serves and the access rule it
// declares. A route added without a row here (and in t/access-policy.t,
// which calls each one as every kind of principal) fails this test.
#include "config/Settings.h"
#include "server/Service.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <string>
#include <tuple>

using Nexus::Service;
using Nexus::Settings;
using Nexus::Auth::Access;

namespace {

using Row = std::tuple<std::string, std::string, Access>;

const std::set<Row>& expected()
{
	static const std::set<Row> rows = {
	    {"GET", "/", Access::Reader},
	    {"GET", "/healthz", Access::Public},
	    {"GET", "/readyz", Access::Public},
	    {"GET", "/api/auth/login", Access::Public},
	    {"GET", "/api/auth/callback", Access::Public},
	    {"GET", "/api/auth/me", Access::Public},
	    {"GET", "/api/auth/logout", Access::Public},
	    {"POST", "/api/auth/logout", Access::Public},
	    {"GET", "/api/auth/nexus-gate", Access::Public},
	    {"GET", "/api/auth/verify", Access::Public},
	    {"GET", "/api/agents", Access::SignedIn},
	    {"POST", "/api/agents/register", Access::Public},
	    {"GET", "/api/agents/:slug/profile", Access::Open},
	    {"GET", "/api/agents/:slug/tokens", Access::Admin},
	    {"POST", "/api/agents/:slug/heartbeat", Access::AgentSelf},
	    {"PUT", "/api/agents/:slug/token", Access::Admin},
	    {"DELETE", "/api/agents/:slug/token/:tokenHash", Access::Admin},
	    {"GET", "/api/vault/secrets", Access::Agent},
	    {"POST", "/api/vault/secrets", Access::Admin},
	    {"GET", "/api/vault/secrets/:id", Access::AgentToken},
	    {"PUT", "/api/vault/secrets/:id", Access::Admin},
	    {"DELETE", "/api/vault/secrets/:id", Access::Admin},
	    {"GET", "/api/secrets", Access::Reader},
	    {"POST", "/api/secrets/:id/reveal", Access::Admin},
	    {"GET", "/api/knowledge", Access::Reader},
	    {"GET", "/api/knowledge/:kind", Access::Reader},
	    {"GET", "/api/knowledge/:kind/:name", Access::Reader},
	    {"PUT", "/api/knowledge/:kind/:name", Access::Admin},
	    {"DELETE", "/api/knowledge/:kind/:name", Access::Admin},
	    {"GET", "/api/profiles", Access::Reader},
	    {"POST", "/api/profiles", Access::Admin},
	    {"GET", "/api/profiles/:name", Access::Reader},
	    {"PUT", "/api/profiles/:name", Access::Admin},
	    {"DELETE", "/api/profiles/:name", Access::Admin},
	    {"GET", "/api/assignments", Access::Admin},
	    {"PUT", "/api/assignments/:slug", Access::Admin},
	    {"DELETE", "/api/assignments/:slug", Access::Admin},
	    {"GET", "/api/registry/models", Access::Reader},
	    {"GET", "/api/registry/models/:slug", Access::Reader},
	    {"POST", "/api/registry/models", Access::Agent},
	    {"DELETE", "/api/registry/models/:slug/:modelId", Access::Agent},
	    {"POST", "/api/memories/collect", Access::AgentToken},
	    {"GET", "/api/memories/list", Access::Agent},
	    {"GET", "/api/memories/download/:slug/:date", Access::AgentSelf},
	    {"GET", "/api/memories/search", Access::Agent},
	    {"GET", "/admin/audit-log", Access::Admin},
	    {"GET", "/admin/status", Access::Admin},
	    {"GET", "/admin/metrics", Access::AdminOrLocal},
	};
	return rows;
}

} // namespace

class RouteTableTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RouteTableTest);
	CPPUNIT_TEST(testEveryRouteHasItsRule);
	CPPUNIT_TEST(testMetricsNeedTheAdminWhenLocalIsOff);
	CPPUNIT_TEST_SUITE_END();

public:
	void testEveryRouteHasItsRule()
	{
		const Settings settings;
		const Service service(settings);
		std::set<Row> actual;
		for (const auto& route : service.router().routes())
			actual.insert(Row(route.method, route.pattern, route.access));
		for (const auto& row : actual)
			CPPUNIT_ASSERT_MESSAGE("route not in the policy table: " + std::get<0>(row) + " " + std::get<1>(row) +
			                           " (" + Nexus::Auth::Policy::name(std::get<2>(row)) + ")",
			                       expected().count(row) == 1);
		for (const auto& row : expected())
			CPPUNIT_ASSERT_MESSAGE("route missing: " + std::get<0>(row) + " " + std::get<1>(row),
			                       actual.count(row) == 1);
	}

	void testMetricsNeedTheAdminWhenLocalIsOff()
	{
		Settings settings;
		settings.metricsLocalWithoutToken = false;
		const Service service(settings);
		bool found = false;
		for (const auto& route : service.router().routes())
			if (route.pattern == "/admin/metrics")
			{
				found = true;
				CPPUNIT_ASSERT(route.access == Access::Admin);
			}
		CPPUNIT_ASSERT(found);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouteTableTest);
