// Profile: request bodies, names, fallback chains and registry warnings.
#include "profiles/Profile.h"
#include "http/HttpError.h"
#include "registry/ModelStore.h"

#include "TestSupport.h"

#include <Poco/JSON/Parser.h>

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Http::BadRequest;
using Nexus::Profiles::Fallback;
using Nexus::Profiles::Profile;
using Nexus::Profiles::ProfileJson;
using Nexus::Profiles::ProfilePatch;
using Nexus::Registry::ModelEntry;

using NexusTest::contains;
using NexusTest::thrown;

namespace {

Poco::JSON::Object::Ptr body(const std::string& json)
{
	Poco::JSON::Parser parser;
	return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

/// The message of the BadRequest a create body gets.
std::string refusal(const std::string& json, const CppUnit::SourceLine& line)
{
	return thrown<BadRequest>([&] { ProfileJson::parseCreate(body(json)); }, line).what();
}

ModelEntry model(const std::string& id, std::vector<std::string> input, std::optional<std::string> deprecation = {})
{
	ModelEntry m;
	m.modelId = id;
	m.inputModalities = std::move(input);
	m.deprecationDate = std::move(deprecation);
	return m;
}

Profile profile(const std::string& primary, std::vector<Fallback> fallbacks, bool vision)
{
	Profile p;
	p.name = "p";
	p.model = primary;
	p.fallbacks = std::move(fallbacks);
	p.vision = vision;
	return p;
}

} // namespace

class ProfileTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ProfileTest);
	CPPUNIT_TEST(testCreateDefaults);
	CPPUNIT_TEST(testCreateWhole);
	CPPUNIT_TEST(testRefusalsNameTheField);
	CPPUNIT_TEST(testUpdateIsPartial);
	CPPUNIT_TEST(testUpdateNeedsAField);
	CPPUNIT_TEST(testNames);
	CPPUNIT_TEST(testFallbacksRoundTrip);
	CPPUNIT_TEST(testModelIds);
	CPPUNIT_TEST(testWarnings);
	CPPUNIT_TEST(testNoWarnings);
	CPPUNIT_TEST_SUITE_END();

public:
	void testCreateDefaults()
	{
		const ProfilePatch patch =
		    ProfileJson::parseCreate(body(R"({"name":"Dev Fast & Cheap","model":"openai/gpt-4o"})"));
		Profile p;
		patch.applyTo(p);
		CPPUNIT_ASSERT_EQUAL(std::string("Dev Fast & Cheap"), p.name);
		CPPUNIT_ASSERT_EQUAL(std::string("openai/gpt-4o"), p.model);
		CPPUNIT_ASSERT(p.fallbacks.empty());
		CPPUNIT_ASSERT(!p.vision && !p.gateway && !p.description);
		CPPUNIT_ASSERT_EQUAL(std::string("{}"), p.parametersJson);
	}

	void testCreateWhole()
	{
		const ProfilePatch patch = ProfileJson::parseCreate(body(
		    R"({"name":"P","model":"a/b","fallbacks":["c/d",{"model":"e/f","on":["timeout","rate_limit","timeout"]}],)"
		    R"("vision":true,"gateway":"https://gw.example.com/v1","description":"x","parameters":{"temperature":0.5}})"));
		Profile p;
		patch.applyTo(p);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), p.fallbacks.size());
		CPPUNIT_ASSERT(p.fallbacks[0] == (Fallback{"c/d", {}}));
		CPPUNIT_ASSERT(p.fallbacks[1] == (Fallback{"e/f", {"timeout", "rate_limit"}})); // repeats dropped, order kept
		CPPUNIT_ASSERT(p.vision);
		CPPUNIT_ASSERT_EQUAL(std::string("https://gw.example.com/v1"), *p.gateway);
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"temperature":0.5})"), p.parametersJson);
		// A gateway may also be a name.
		ProfileJson::parseCreate(body(R"({"name":"P","model":"a/b","gateway":"litellm-prod"})")).applyTo(p);
		CPPUNIT_ASSERT_EQUAL(std::string("litellm-prod"), *p.gateway);
	}

	void testRefusalsNameTheField()
	{
		CPPUNIT_ASSERT(contains(refusal(R"({"model":"a/b"})", CPPUNIT_SOURCELINE()), "'name'"));
		CPPUNIT_ASSERT(contains(refusal(R"({"name":"P"})", CPPUNIT_SOURCELINE()), "'model'"));
		CPPUNIT_ASSERT(contains(refusal(R"({"name":"P","model":"gpt-4o"})", CPPUNIT_SOURCELINE()), "'model'"));
		CPPUNIT_ASSERT(
		    contains(refusal(R"({"name":"P","model":"a/b","fallbacks":[1]})", CPPUNIT_SOURCELINE()), "'fallbacks[0]'"));
		CPPUNIT_ASSERT(
		    contains(refusal(R"({"name":"P","model":"a/b","fallbacks":["c/d",{"model":"x"}]})", CPPUNIT_SOURCELINE()),
		             "'fallbacks[1].model'"));
		CPPUNIT_ASSERT(contains(
		    refusal(R"({"name":"P","model":"a/b","fallbacks":[{"model":"c/d","on":["oops"]}]})", CPPUNIT_SOURCELINE()),
		    "content_policy"));
		CPPUNIT_ASSERT(contains(refusal(R"({"name":"P","model":"a/b","vision":1})", CPPUNIT_SOURCELINE()), "'vision'"));
		CPPUNIT_ASSERT(contains(
		    refusal(R"({"name":"P","model":"a/b","gateway":"javascript:void"})", CPPUNIT_SOURCELINE()), "'gateway'"));
		CPPUNIT_ASSERT(contains(refusal(R"({"name":"P","model":"a/b","parameters":"hot"})", CPPUNIT_SOURCELINE()),
		                        "'parameters'"));
		CPPUNIT_ASSERT(contains(refusal(R"({"name":"P","model":"a/b","extra":1})", CPPUNIT_SOURCELINE()), "'extra'"));
	}

	void testUpdateIsPartial()
	{
		Profile p = profile("a/b", {{"c/d", {}}}, false);
		p.description = "keep";
		ProfileJson::parseUpdate(body(R"({"vision":true,"gateway":null})")).applyTo(p);
		CPPUNIT_ASSERT(p.vision);
		CPPUNIT_ASSERT_EQUAL(std::string("a/b"), p.model);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), p.fallbacks.size());
		CPPUNIT_ASSERT_EQUAL(std::string("keep"), *p.description);
		ProfileJson::parseUpdate(body(R"({"description":null,"fallbacks":null})")).applyTo(p);
		CPPUNIT_ASSERT(!p.description);
		CPPUNIT_ASSERT(p.fallbacks.empty());
	}

	void testUpdateNeedsAField()
	{
		thrown<BadRequest>([] { ProfileJson::parseUpdate(body("{}")); }, CPPUNIT_SOURCELINE());
		const auto e =
		    thrown<BadRequest>([] { ProfileJson::parseUpdate(body(R"({"model":null})")); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(contains(e.what(), "'model'"));
	}

	void testNames()
	{
		CPPUNIT_ASSERT(ProfileJson::validName("Dev Fast & Cheap"));
		CPPUNIT_ASSERT(ProfileJson::validName("Prod-Reliable"));
		CPPUNIT_ASSERT(ProfileJson::validName("Zürich 100%"));
		CPPUNIT_ASSERT(ProfileJson::validName(std::string(100, 'x')));
		CPPUNIT_ASSERT(!ProfileJson::validName(std::string(101, 'x')));
		CPPUNIT_ASSERT(!ProfileJson::validName(""));
		CPPUNIT_ASSERT(!ProfileJson::validName(" lead"));
		CPPUNIT_ASSERT(!ProfileJson::validName("trail "));
		CPPUNIT_ASSERT(!ProfileJson::validName("a/b"));
		CPPUNIT_ASSERT(!ProfileJson::validName("tab\there"));
		CPPUNIT_ASSERT(!ProfileJson::validName("bad \xff utf8"));
	}

	void testFallbacksRoundTrip()
	{
		const std::vector<Fallback> chain = {{"a/b", {}}, {"c/d", {"rate_limit", "timeout"}}};
		const std::string json = ProfileJson::fallbacksToJson(chain);
		CPPUNIT_ASSERT_EQUAL(std::string(R"(["a/b",{"model":"c/d","on":["rate_limit","timeout"]}])"), json);
		CPPUNIT_ASSERT(ProfileJson::fallbacksFromJson(json) == chain);
		CPPUNIT_ASSERT(ProfileJson::fallbacksFromJson("[]").empty());
	}

	void testModelIds()
	{
		const Profile p = profile("a/b", {{"c/d", {}}, {"a/b", {"timeout"}}, {"e/f", {}}}, false);
		CPPUNIT_ASSERT(Nexus::Profiles::modelIds(p) == (std::vector<std::string>{"a/b", "c/d", "e/f"}));
		CPPUNIT_ASSERT(Nexus::Profiles::modelIds(profile("", {}, false)).empty());
	}

	void testWarnings()
	{
		const std::map<std::string, ModelEntry> registry = {
		    {"a/vision", model("a/vision", {"text", "image"})},
		    {"a/text", model("a/text", {"text"})},
		    {"a/old", model("a/old", {"text", "image"}, std::string("2026-11-29"))},
		};
		const Profile p = profile("a/vision", {{"a/text", {}}, {"a/old", {}}, {"a/gone", {}}}, true);
		const auto w = Nexus::Profiles::warnings(p, registry, "2026-11-29");
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), w.size());
		CPPUNIT_ASSERT_EQUAL(std::string("vision profile: fallback 'a/text' takes no image input"), w[0]);
		CPPUNIT_ASSERT_EQUAL(std::string("fallback 'a/old' is deprecated since 2026-11-29"), w[1]);
		CPPUNIT_ASSERT_EQUAL(std::string("fallback 'a/gone' is not in the model registry"), w[2]);
		// The day before its deprecation date a model is still fine.
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), Nexus::Profiles::warnings(p, registry, "2026-11-28").size());
		// A migrated profile without a model says so.
		CPPUNIT_ASSERT_EQUAL(std::string("the profile has no model"),
		                     Nexus::Profiles::warnings(profile("", {}, false), registry, "2026-11-29").at(0));
	}

	void testNoWarnings()
	{
		const std::map<std::string, ModelEntry> registry = {{"a/text", model("a/text", {"text"})}};
		CPPUNIT_ASSERT(Nexus::Profiles::warnings(profile("a/text", {}, false), registry, "2030-01-01").empty());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(ProfileTest);
