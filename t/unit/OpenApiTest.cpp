// docs/openapi.yaml and the route table tell the same story: every route the
// service serves is documented (method and path), and the document has no
// operation the service does not serve. Router patterns name parameters
// ":name", OpenAPI "{name}"; the names must agree too. The router answers
// HEAD with the GET route, so a documented HEAD needs a GET route.
#include "config/Settings.h"
#include "server/Service.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <utility>

using Nexus::Service;
using Nexus::Settings;

namespace {

/// A method (upper case) and a path as OpenAPI writes it ("/api/agents/{slug}").
using Operation = std::pair<std::string, std::string>;

/// The fields of an OpenAPI 3.1 path item that are operations.
const char* const kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

/// A router pattern as an OpenAPI path: each ":name" segment becomes "{name}".
std::string openApiPath(const std::string& pattern)
{
	std::string path;
	std::size_t start = 0;
	while (start < pattern.size())
	{
		auto end = pattern.find('/', start + 1);
		if (end == std::string::npos) end = pattern.size();
		const std::string segment = pattern.substr(start, end - start); // "/name" or "/:name"
		path += segment.size() > 1 && segment[1] == ':' ? "/{" + segment.substr(2) + "}" : segment;
		start = end;
	}
	return path;
}

std::string upper(std::string s)
{
	std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
	return s;
}

/// Every operation of docs/openapi.yaml.
std::set<Operation> documented()
{
	const YAML::Node doc = YAML::LoadFile(NexusTest::sourceDir() + "/docs/openapi.yaml");
	const YAML::Node paths = doc["paths"];
	CPPUNIT_ASSERT_MESSAGE("docs/openapi.yaml has no paths", paths && paths.IsMap() && paths.size() > 0);
	std::set<Operation> operations;
	for (const auto& item : paths)
		for (const char* method : kMethods)
			if (item.second[method]) operations.emplace(upper(method), item.first.as<std::string>());
	return operations;
}

/// Every route of the service, in OpenAPI's spelling.
std::set<Operation> served()
{
	const Settings settings;
	const Service service(settings);
	std::set<Operation> operations;
	for (const auto& route : service.router().routes()) operations.emplace(route.method, openApiPath(route.pattern));
	return operations;
}

std::string listed(const std::set<Operation>& operations)
{
	std::string s;
	for (const auto& op : operations) s += "\n  " + op.first + " " + op.second;
	return s;
}

} // namespace

class OpenApiTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OpenApiTest);
	CPPUNIT_TEST(testPatternsReadAsOpenApiPaths);
	CPPUNIT_TEST(testEveryRouteIsDocumented);
	CPPUNIT_TEST(testEveryDocumentedOperationIsServed);
	CPPUNIT_TEST_SUITE_END();

public:
	void testPatternsReadAsOpenApiPaths()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("/healthz"), openApiPath("/healthz"));
		CPPUNIT_ASSERT_EQUAL(std::string("/"), openApiPath("/"));
		CPPUNIT_ASSERT_EQUAL(std::string("/api/agents/{slug}/token/{tokenHash}"),
		                     openApiPath("/api/agents/:slug/token/:tokenHash"));
		CPPUNIT_ASSERT_EQUAL(std::string("/api/knowledge/{kind}"), openApiPath("/api/knowledge/:kind"));
	}

	void testEveryRouteIsDocumented()
	{
		const auto docs = documented();
		std::set<Operation> missing;
		for (const auto& op : served())
			if (!docs.count(op)) missing.insert(op);
		CPPUNIT_ASSERT_MESSAGE("routes missing from docs/openapi.yaml:" + listed(missing), missing.empty());
	}

	void testEveryDocumentedOperationIsServed()
	{
		const auto routes = served();
		std::set<Operation> extra;
		for (const auto& op : documented())
		{
			const Operation route(op.first == "HEAD" ? "GET" : op.first, op.second);
			if (!routes.count(route)) extra.insert(op);
		}
		CPPUNIT_ASSERT_MESSAGE("operations in docs/openapi.yaml that no route serves:" + listed(extra), extra.empty());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(OpenApiTest);
