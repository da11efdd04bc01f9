// A knowledge entity: kinds, names, tags, links and the checks of its flat
// JSON form (what the API returns and a JSON PUT sends).
#include "knowledge/Entity.h"

#include "TestSupport.h"
#include "http/Json.h"

#include <Poco/JSON/Parser.h>

#include <cppunit/extensions/HelperMacros.h>

using Nexus::Knowledge::Entity;
using Nexus::Knowledge::entityFromJson;
using Nexus::Knowledge::InvalidEntity;
using Nexus::Knowledge::Key;
using Nexus::Knowledge::Kinds;
using Nexus::Knowledge::Limits;
using NexusTest::contains;
using NexusTest::thrown;

namespace {

using Strings = std::vector<std::string>;

Poco::JSON::Object::Ptr json(const std::string& text)
{
	return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

Entity from(const std::string& text, const std::optional<Key>& path = std::nullopt, Limits limits = Limits())
{
	return entityFromJson(*json(text), limits, path);
}

InvalidEntity refused(const std::string& text, const std::optional<Key>& path = std::nullopt, Limits limits = Limits())
{
	return thrown<InvalidEntity>([&] { from(text, path, limits); }, CPPUNIT_SOURCELINE());
}

} // namespace

class KnowledgeEntityTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(KnowledgeEntityTest);
	CPPUNIT_TEST(testKinds);
	CPPUNIT_TEST(testNames);
	CPPUNIT_TEST(testIdentityFromObjectOrPath);
	CPPUNIT_TEST(testFields);
	CPPUNIT_TEST(testTags);
	CPPUNIT_TEST(testLinks);
	CPPUNIT_TEST(testSpec);
	CPPUNIT_TEST(testContentLimitInBytes);
	CPPUNIT_TEST(testServerFieldsIgnored);
	CPPUNIT_TEST(testSearchText);
	CPPUNIT_TEST(testSameContent);
	CPPUNIT_TEST(testToJson);
	CPPUNIT_TEST_SUITE_END();

public:
	void testKinds()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("server, domain, infrastructure, project, agent"), Kinds::list());
		for (const auto& kind : Kinds::all()) CPPUNIT_ASSERT(Kinds::isKind(kind));
		for (const char* bad : {"", "servers", "Server", "model", "server,domain"}) CPPUNIT_ASSERT(!Kinds::isKind(bad));
	}

	void testNames()
	{
		for (const std::string& good : Strings{"gpu-box-1", "example.com", "a", "A_b.c-9", std::string(128, 'x')})
			CPPUNIT_ASSERT_MESSAGE(good, Kinds::isName(good));
		for (const std::string& bad : Strings{"", ".", "..", "../etc", "a/b", "-x", ".hidden", "_x", "a b",
		                                      "caf\xC3\xA9", std::string(129, 'x'), "a%2e"})
			CPPUNIT_ASSERT_MESSAGE(bad, !Kinds::isName(bad));
	}

	void testIdentityFromObjectOrPath()
	{
		const Entity e = from(R"({"kind":"server","name":"gpu-box-1"})");
		CPPUNIT_ASSERT_EQUAL(std::string("server"), e.kind);
		CPPUNIT_ASSERT_EQUAL(std::string("gpu-box-1"), e.name);
		CPPUNIT_ASSERT_EQUAL(std::string("gpu-box-1"), e.title);
		CPPUNIT_ASSERT_EQUAL(std::string("kind"), refused(R"({"name":"x"})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("name"), refused(R"({"kind":"server"})").field());

		const Key path{"domain", "example.com"};
		const Entity p = from(R"({"title":"Example"})", path);
		CPPUNIT_ASSERT_EQUAL(std::string("domain"), p.kind);
		CPPUNIT_ASSERT_EQUAL(std::string("example.com"), p.name);
		CPPUNIT_ASSERT_EQUAL(std::string("domain"), from(R"({"kind":"domain","name":"example.com"})", path).kind);
		const auto kind = refused(R"({"kind":"server"})", path);
		CPPUNIT_ASSERT_EQUAL(std::string("field 'kind' is 'server' but the path names kind 'domain'"),
		                     std::string(kind.what()));
		const auto name = refused(R"({"name":"example.org"})", path);
		CPPUNIT_ASSERT_EQUAL(std::string("name"), name.field());
		CPPUNIT_ASSERT_EQUAL(std::string("kind"), refused(R"({"kind":"planet","name":"x"})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("name"), refused(R"({"kind":"server","name":".."})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("name"), refused(R"({"kind":"server","name":7})").field());
	}

	void testFields()
	{
		const auto unknown = refused(R"({"kind":"server","name":"x","description":"y"})");
		CPPUNIT_ASSERT_EQUAL(std::string("description"), unknown.field());
		CPPUNIT_ASSERT(contains(unknown.what(), "field 'description' is not a field"));
		CPPUNIT_ASSERT_EQUAL(std::string("title"), refused(R"({"kind":"server","name":"x","title":1})").field());
		CPPUNIT_ASSERT_EQUAL(
		    std::string("title"),
		    refused(R"({"kind":"server","name":"x","title":")" + std::string(201, 't') + "\"}").field());
		CPPUNIT_ASSERT_EQUAL(std::string("title"), refused(R"({"kind":"server","name":"x","title":"a\nb"})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("content"), refused(R"({"kind":"server","name":"x","content":[]})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("content"),
		                     refused(R"({"kind":"server","name":"x","content":"a\u0000b"})").field());
		// null is the same as absent; an empty title is the name.
		const Entity e = from(R"({"kind":"server","name":"x","title":"","content":null,"spec":null,"tags":null})");
		CPPUNIT_ASSERT_EQUAL(std::string("x"), e.title);
		CPPUNIT_ASSERT_EQUAL(std::string("{}"), e.spec);
		// Content keeps every byte: CR, tabs, unicode, SQL-looking text.
		const Entity c = from(R"({"kind":"server","name":"x","content":"a\r\n\tb \u00fc '; DROP TABLE x; --"})");
		CPPUNIT_ASSERT_EQUAL(std::string("a\r\n\tb \xC3\xBC '; DROP TABLE x; --"), c.content);
	}

	void testTags()
	{
		const Entity e = from(R"({"kind":"server","name":"x","tags":["GPU","ollama","gpu","c++","k8s:prod","ai"]})");
		CPPUNIT_ASSERT(e.tags == std::vector<std::string>({"gpu", "ollama", "c++", "k8s:prod", "ai"}));
		CPPUNIT_ASSERT_EQUAL(std::string("tags[1]"),
		                     refused(R"({"kind":"server","name":"x","tags":["ok","a b"]})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("tags[0]"), refused(R"({"kind":"server","name":"x","tags":[""]})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("tags[0]"), refused(R"({"kind":"server","name":"x","tags":["-x"]})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("tags[0]"), refused(R"({"kind":"server","name":"x","tags":[1]})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("tags"), refused(R"({"kind":"server","name":"x","tags":"gpu"})").field());
		std::string many = R"({"kind":"server","name":"x","tags":[)";
		for (int i = 0; i < 33; ++i) many += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
		const auto tooMany = refused(many + "]}");
		CPPUNIT_ASSERT_EQUAL(std::string("tags"), tooMany.field());
		CPPUNIT_ASSERT(tooMany.tooLarge());
	}

	void testLinks()
	{
		const Entity e =
		    from(R"({"kind":"server","name":"x","links":[{"url":"https://example.com/a","title":"A"},)"
		         R"({"url":"mailto:ops@example.com"},{"url":"ssh:admin@box.lan"},{"url":"HTTP://x.lan"}]})");
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), e.links.size());
		CPPUNIT_ASSERT_EQUAL(std::string("A"), e.links[0].title);
		CPPUNIT_ASSERT_EQUAL(std::string(""), e.links[1].title);
		for (const char* bad : {"javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "https://", "http:x",
		                        "https://exa mple.com", "example.com", ":x"})
		{
			const auto error = refused(std::string(R"({"kind":"server","name":"x","links":[{"url":")") + bad + "\"}]}");
			CPPUNIT_ASSERT_EQUAL_MESSAGE(bad, std::string("links[0].url"), error.field());
		}
		CPPUNIT_ASSERT_EQUAL(std::string("links[0].url"),
		                     refused(R"({"kind":"server","name":"x","links":[{"title":"t"}]})").field());
		CPPUNIT_ASSERT_EQUAL(
		    std::string("links[0].href"),
		    refused(R"({"kind":"server","name":"x","links":[{"url":"https://a.lan","href":"x"}]})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("links[0]"), refused(R"({"kind":"server","name":"x","links":["x"]})").field());
		CPPUNIT_ASSERT_EQUAL(std::string("links"), refused(R"({"kind":"server","name":"x","links":{}})").field());
	}

	void testSpec()
	{
		const Entity e = from(R"({"kind":"server","name":"x","spec":{"host":"a.lan","port":22,"gpus":[1,2]}})");
		CPPUNIT_ASSERT(contains(e.spec, "\"host\":\"a.lan\""));
		for (const char* bad : {"[]", "\"text\"", "1", "true"})
		{
			const auto error = refused(std::string(R"({"kind":"server","name":"x","spec":)") + bad + "}");
			CPPUNIT_ASSERT_EQUAL(std::string("spec"), error.field());
			CPPUNIT_ASSERT_EQUAL(std::string("field 'spec' must be an object (a mapping of keys to values)"),
			                     std::string(error.what()));
		}
		const auto big = refused(R"({"kind":"server","name":"x","spec":{"a":")" + std::string(70000, 'a') + "\"}}");
		CPPUNIT_ASSERT_EQUAL(std::string("spec"), big.field());
		CPPUNIT_ASSERT(big.tooLarge());
	}

	void testContentLimitInBytes()
	{
		Limits limits;
		limits.maxContentBytes = 1024;
		// 512 two-byte characters are 1024 bytes: allowed; one more byte is not.
		std::string text;
		for (int i = 0; i < 512; ++i) text += "\xC3\xBC";
		CPPUNIT_ASSERT_EQUAL(
		    std::size_t(1024),
		    from(R"({"kind":"server","name":"x","content":")" + text + "\"}", std::nullopt, limits).content.size());
		const auto error = refused(R"({"kind":"server","name":"x","content":")" + text + "a\"}", std::nullopt, limits);
		CPPUNIT_ASSERT(error.tooLarge());
		CPPUNIT_ASSERT_EQUAL(std::string("field 'content' may be at most 1024 bytes"), std::string(error.what()));
	}

	void testServerFieldsIgnored()
	{
		const Entity e = from(R"({"kind":"server","name":"x","version":"anything","created_at":1,"updated_at":null})");
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(0), e.version);
		CPPUNIT_ASSERT_EQUAL(std::string(), e.createdAt);
	}

	void testSearchText()
	{
		const Entity e = from(R"({"kind":"server","name":"gpu-box-1","tags":["gpu","ai"],)"
		                      R"("links":[{"url":"https://grafana.example.com","title":"Grafana board"}],)"
		                      R"("spec":{"hostkey":"box.lan","port":11434,"nested":{"list":["llama3",{"deep":"phi"}]},)"
		                      R"("flag":true,"none":null}})");
		const std::string text = e.searchText();
		for (const char* word : {"gpu-box-1", "\ngpu\n", "\nai\n", "Grafana board", "grafana.example.com", "box.lan",
		                         "11434", "llama3", "phi"})
			CPPUNIT_ASSERT_MESSAGE(std::string(word) + " in " + text, contains(text, word));
		CPPUNIT_ASSERT_MESSAGE(text, !contains(text, "hostkey"));
		CPPUNIT_ASSERT_MESSAGE(text, !contains(text, "deep"));
	}

	void testSameContent()
	{
		const Entity a = from(R"({"kind":"server","name":"x","title":"T","content":"c","spec":{"a":1},"tags":["t"],)"
		                      R"("links":[{"url":"https://a.lan"}]})");
		Entity b = a;
		b.version = 7;
		b.updatedAt = "2026-01-01 00:00:00.000";
		CPPUNIT_ASSERT(a.sameContent(b));
		for (int field = 0; field < 5; ++field)
		{
			Entity c = a;
			switch (field)
			{
			case 0: c.title = "U"; break;
			case 1: c.content = "d"; break;
			case 2: c.spec = R"({"a":2})"; break;
			case 3: c.tags = {"u"}; break;
			case 4: c.links[0].title = "new"; break;
			}
			CPPUNIT_ASSERT_MESSAGE(std::to_string(field), !a.sameContent(c));
		}
	}

	void testToJson()
	{
		Entity e = from(R"({"kind":"server","name":"x","spec":{"b":1,"a":2},"tags":["t"],)"
		                R"("links":[{"url":"https://a.lan","title":"A"},{"url":"https://b.lan"}]})");
		e.version = 2;
		e.createdAt = "2026-01-02 03:04:05.678";
		e.updatedAt = "2026-01-02 03:04:06.000";
		CPPUNIT_ASSERT_EQUAL(
		    std::string(R"({"kind":"server","name":"x","title":"x","content":"","spec":{"a":2,"b":1},)"
		                R"("tags":["t"],"links":[{"url":"https://a.lan","title":"A"},)"
		                R"({"url":"https://b.lan"}],"version":2,"created_at":"2026-01-02T03:04:05.678Z",)"
		                R"("updated_at":"2026-01-02T03:04:06.000Z"})"),
		    Nexus::Http::Json::stringify(*e.toJson()));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(KnowledgeEntityTest);
