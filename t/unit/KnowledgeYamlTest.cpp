// The YAML form of knowledge: the envelope both ways, YAML 1.2 core
// scalars, byte-exact strings, and errors that name their line.
#include "knowledge/KnowledgeYaml.h"

#include "TestSupport.h"
#include "http/Json.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <yaml-cpp/yaml.h>

#include <cppunit/extensions/HelperMacros.h>

using Nexus::Knowledge::Entity;
using Nexus::Knowledge::Key;
using Nexus::Knowledge::KnowledgeYaml;
using Nexus::Knowledge::Limits;
using Nexus::Knowledge::Link;
using Nexus::Knowledge::YamlError;
using Nexus::Knowledge::YamlJson;
using NexusTest::contains;
using NexusTest::thrown;

namespace {

const std::string kExample = "apiVersion: nexus/v1\n"
                             "kind: server\n"
                             "metadata:\n"
                             "  name: gpu-box-1\n"
                             "  title: GPU box 1\n"
                             "  tags: [gpu, Ollama]\n"
                             "  links:\n"
                             "    - url: https://grafana.example.com/d/gpu\n"
                             "      title: Dashboard\n"
                             "spec:\n"
                             "  host: gpu-box-1.lan\n"
                             "  ip: 10.0.0.12\n"
                             "  port: 11434\n"
                             "  gpus: 2.5\n"
                             "  managed: true\n"
                             "  notes: ~\n"
                             "  owner: 'infra'\n"
                             "content: |\n"
                             "  Runs ollama.\n"
                             "\n"
                             "  ## Models\n"
                             "  - llama3\n";

Entity parse(const std::string& text)
{
	const auto docs = KnowledgeYaml::parseStream(text, Limits());
	CPPUNIT_ASSERT_EQUAL(std::size_t(1), docs.size());
	if (!docs[0].entity) CPPUNIT_FAIL("not an entity: " + std::string(docs[0].error->what()));
	return *docs[0].entity;
}

/// The error of a one-document stream that must be refused.
YamlError refused(const std::string& text)
{
	const auto docs = KnowledgeYaml::parseStream(text, Limits());
	CPPUNIT_ASSERT_EQUAL(std::size_t(1), docs.size());
	CPPUNIT_ASSERT_MESSAGE("accepted: " + text, !docs[0].entity);
	return *docs[0].error;
}

std::string spec(const std::string& yamlBody)
{
	return parse("apiVersion: nexus/v1\nkind: project\nmetadata: {name: p}\nspec:\n" + yamlBody).spec;
}

Entity sample()
{
	Entity e;
	e.kind = "server";
	e.name = "gpu-box-1";
	e.title = "GPU box 1";
	e.content = "Runs ollama.\n";
	e.spec = R"({"host":"gpu-box-1.lan","port":11434})";
	e.tags = {"gpu", "ollama"};
	e.links = {{"https://grafana.example.com/d/gpu", "Dashboard"}, {"ssh:admin@gpu-box-1.lan", ""}};
	e.version = 3;
	e.createdAt = "2026-01-02 03:04:05.678";
	e.updatedAt = "2026-01-03 03:04:05.000";
	return e;
}

/// Tricky text: everything a YAML writer can get wrong.
const std::vector<std::string>& trickyStrings()
{
	static const std::vector<std::string> strings = {
	    "",
	    " ",
	    "plain words",
	    "true",
	    "False",
	    "yes",
	    "No",
	    "on",
	    "OFF",
	    "y",
	    "null",
	    "~",
	    "123",
	    "-7",
	    "1.5",
	    "1e3",
	    ".5",
	    "0x1F",
	    "0o17",
	    "0777",
	    "1_000",
	    "1:20",
	    "10.0.0.12",
	    "1.2.3",
	    ".inf",
	    "-.Inf",
	    ".nan",
	    "2026-01-02T03:04:05.678Z",
	    "- item",
	    "key: value",
	    "#comment",
	    "a # b",
	    "'single'",
	    "\"double\"",
	    "@at",
	    "`tick",
	    "%percent",
	    "!bang",
	    "&anchor",
	    "*alias",
	    "{brace}",
	    "[bracket]",
	    "|pipe",
	    ">folded",
	    "?question",
	    "<<",
	    "=",
	    "---",
	    "...",
	    "trailing space ",
	    " leading space",
	    "back\\slash",
	    "tab\there",
	    "control \x01 char",
	    "unicode \xC3\xBC \xE2\x9C\x93 \xF0\x9F\x8E\x89",
	    "line separator \xE2\x80\xA8 here",
	    "next line \xC2\x85 here",
	    "bom \xEF\xBB\xBF here",
	    "one line\n",
	    "two\nlines\n",
	    "no trailing\nnewline",
	    "two trailing\nnewlines\n\n",
	    "\nleading newline\n",
	    "  indented first\nline\n",
	    "\ttab first\nline\n",
	    "crlf\r\nlines\r\n",
	    // Found by t/fuzz/knowledge_yaml: written plain, a reader dropped one
	    // of the trailing carriage returns.
	    "night\r\r\r",
	    "trailing tab\t",
	    "\rleading cr",
	    "del \x7F char",
	    "lines with  \ntrailing spaces  \n",
	    "blank\n\n\nlines\n",
	    "last line blank\n  \n",
	    "last line a tab\n\t\n",
	    "x\n\ttabbed line\n",
	    "x\n    more indented\n  less\n",
	    "---\nlooks like a document\n...\n",
	    "# heading\n\n- list: with colon\n  - nested\n\n```sql\nSELECT * FROM t WHERE a = 'b';\n```\n",
	    "'; DROP TABLE knowledge; --\n",
	    "<script>alert(1)</script>\n",
	};
	return strings;
}

Poco::JSON::Object::Ptr parseJson(const std::string& text)
{
	Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
	return parser.parse(text).extract<Poco::JSON::Object::Ptr>();
}

} // namespace

class KnowledgeYamlTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(KnowledgeYamlTest);
	CPPUNIT_TEST(testEnvelope);
	CPPUNIT_TEST(testDefaults);
	CPPUNIT_TEST(testCoreSchemaScalars);
	CPPUNIT_TEST(testQuotedAndTaggedScalars);
	CPPUNIT_TEST(testEmitShape);
	CPPUNIT_TEST(testEmitWithoutServerFields);
	CPPUNIT_TEST(testEntityRoundTrip);
	CPPUNIT_TEST(testTrickyStringsRoundTrip);
	CPPUNIT_TEST(testJsonValuesRoundTrip);
	CPPUNIT_TEST(testEmitStream);
	CPPUNIT_TEST(testMultiDocumentStream);
	CPPUNIT_TEST(testSyntaxErrorHasLineAndColumn);
	CPPUNIT_TEST(testStrayCommaIsASyntaxError);
	CPPUNIT_TEST(testErrorsNameTheirLine);
	CPPUNIT_TEST(testDuplicateKeys);
	CPPUNIT_TEST(testNulInKeyRefused);
	CPPUNIT_TEST(testApiVersion);
	CPPUNIT_TEST(testParseOne);
	CPPUNIT_TEST(testAliasBombRefused);
	CPPUNIT_TEST(testDeepNestingRefused);
	CPPUNIT_TEST(testContentLimit);
	CPPUNIT_TEST_SUITE_END();

public:
	void testEnvelope()
	{
		const Entity e = parse(kExample);
		CPPUNIT_ASSERT_EQUAL(std::string("server"), e.kind);
		CPPUNIT_ASSERT_EQUAL(std::string("gpu-box-1"), e.name);
		CPPUNIT_ASSERT_EQUAL(std::string("GPU box 1"), e.title);
		CPPUNIT_ASSERT_EQUAL(std::string("Runs ollama.\n\n## Models\n- llama3\n"), e.content);
		CPPUNIT_ASSERT_EQUAL(
		    std::string(R"({"host":"gpu-box-1.lan","ip":"10.0.0.12","port":11434,"gpus":2.5,"managed":true,)"
		                R"("notes":null,"owner":"infra"})"),
		    e.spec);
		CPPUNIT_ASSERT(e.tags == std::vector<std::string>({"gpu", "ollama"}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), e.links.size());
		CPPUNIT_ASSERT_EQUAL(std::string("https://grafana.example.com/d/gpu"), e.links[0].url);
		CPPUNIT_ASSERT_EQUAL(std::string("Dashboard"), e.links[0].title);
	}

	void testDefaults()
	{
		const Entity e = parse("apiVersion: nexus/v1\nkind: domain\nmetadata:\n  name: example.com\n");
		CPPUNIT_ASSERT_EQUAL(std::string("example.com"), e.title);
		CPPUNIT_ASSERT_EQUAL(std::string(""), e.content);
		CPPUNIT_ASSERT_EQUAL(std::string("{}"), e.spec);
		CPPUNIT_ASSERT(e.tags.empty());
		CPPUNIT_ASSERT(e.links.empty());
		// Server fields in the input are accepted and ignored.
		const Entity f = parse("apiVersion: nexus/v1\nkind: domain\nmetadata:\n  name: x\n  version: 9\n"
		                       "  created_at: 2020-01-01T00:00:00.000Z\n  updated_at: whatever\n");
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(0), f.version);
		CPPUNIT_ASSERT_EQUAL(std::string(), f.createdAt);
	}

	void testCoreSchemaScalars()
	{
		using Var = Poco::Dynamic::Var;
		for (const char* null : {"", "~", "null", "Null", "NULL"})
			CPPUNIT_ASSERT_MESSAGE(null, YamlJson::resolvePlain(null).isEmpty());
		CPPUNIT_ASSERT(YamlJson::resolvePlain("true").extract<bool>());
		CPPUNIT_ASSERT(YamlJson::resolvePlain("TRUE").extract<bool>());
		CPPUNIT_ASSERT(!YamlJson::resolvePlain("False").extract<bool>());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(8080), YamlJson::resolvePlain("8080").extract<Poco::Int64>());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(-3), YamlJson::resolvePlain("-3").extract<Poco::Int64>());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(31), YamlJson::resolvePlain("0x1F").extract<Poco::Int64>());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(15), YamlJson::resolvePlain("0o17").extract<Poco::Int64>());
		CPPUNIT_ASSERT_EQUAL(1.5, YamlJson::resolvePlain("1.5").extract<double>());
		CPPUNIT_ASSERT_EQUAL(1000.0, YamlJson::resolvePlain("1e3").extract<double>());
		CPPUNIT_ASSERT_EQUAL(0.5, YamlJson::resolvePlain(".5").extract<double>());
		// Integers follow the JSON bodies' rule: 64 bits, at most 19 digits, never a float.
		CPPUNIT_ASSERT_EQUAL(Poco::UInt64(9999999999999999999ull),
		                     YamlJson::resolvePlain("9999999999999999999").extract<Poco::UInt64>());
		for (const char* large : {"100000000000000000000", "123456789012345678901234567890", "-9999999999999999999"})
			thrown<std::invalid_argument>([&] { YamlJson::resolvePlain(large); }, CPPUNIT_SOURCELINE());
		// Below -2^53 a negative integer would not read back from the stored
		// JSON (Poco's parser goes through a double; found by t/fuzz/knowledge_yaml).
		for (const char* negative : {"-4999999999999999999", "-9007199254740993"})
			thrown<std::invalid_argument>([&] { YamlJson::resolvePlain(negative); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(Poco::Int64(-9007199254740992LL),
		                     YamlJson::resolvePlain("-9007199254740992").extract<Poco::Int64>());
		// YAML 1.1's booleans, addresses, versions and dates are text.
		for (const char* text :
		     {"yes", "no", "on", "off", "y", "10.0.0.12", "1.2.3", "2026-01-02", "0x", "1_000", "0777x", "+", "-", "."})
		{
			const Var v = YamlJson::resolvePlain(text);
			CPPUNIT_ASSERT_MESSAGE(text, v.isString());
			CPPUNIT_ASSERT_EQUAL(std::string(text), v.extract<std::string>());
		}
		for (const char* special : {".inf", "-.inf", "+.INF", ".nan", "1e999"})
			thrown<std::invalid_argument>([&] { YamlJson::resolvePlain(special); }, CPPUNIT_SOURCELINE());
	}

	void testQuotedAndTaggedScalars()
	{
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":"123","b":"true","c":"12","d":"~"})"),
		                     spec("  a: '123'\n  b: \"true\"\n  c: !!str 12\n  d: '~'\n"));
		const YamlError e = refused("apiVersion: nexus/v1\nkind: project\nmetadata: {name: p}\nspec:\n  a: !!int 12\n");
		CPPUNIT_ASSERT_EQUAL(5, e.line());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "tag"));
		const YamlError inf = refused("apiVersion: nexus/v1\nkind: project\nmetadata: {name: p}\nspec:\n  a: .inf\n");
		CPPUNIT_ASSERT_EQUAL(5, inf.line());
		CPPUNIT_ASSERT_MESSAGE(inf.what(), contains(inf.what(), "quote it"));
	}

	void testEmitShape()
	{
		const std::string text = KnowledgeYaml::emit(sample(), true);
		CPPUNIT_ASSERT_EQUAL(std::string("---\n"
		                                 "apiVersion: nexus/v1\n"
		                                 "kind: server\n"
		                                 "metadata:\n"
		                                 "  name: gpu-box-1\n"
		                                 "  title: GPU box 1\n"
		                                 "  tags: [gpu, ollama]\n"
		                                 "  links:\n"
		                                 "    - url: https://grafana.example.com/d/gpu\n"
		                                 "      title: Dashboard\n"
		                                 "    - url: ssh:admin@gpu-box-1.lan\n"
		                                 "  version: 3\n"
		                                 "  created_at: 2026-01-02T03:04:05.678Z\n"
		                                 "  updated_at: 2026-01-03T03:04:05.000Z\n"
		                                 "spec:\n"
		                                 "  host: gpu-box-1.lan\n"
		                                 "  port: 11434\n"
		                                 "content: |\n"
		                                 "  Runs ollama.\n"),
		                     text);
	}

	void testEmitWithoutServerFields()
	{
		Entity e = sample();
		e.tags.clear();
		e.links.clear();
		e.content.clear();
		e.spec = "{}";
		CPPUNIT_ASSERT_EQUAL(std::string("---\napiVersion: nexus/v1\nkind: server\nmetadata:\n  name: gpu-box-1\n"
		                                 "  title: GPU box 1\nspec: {}\n"),
		                     KnowledgeYaml::emit(e, false));
	}

	void testEntityRoundTrip()
	{
		for (bool serverFields : {true, false})
		{
			const Entity in = sample();
			const Entity out = parse(KnowledgeYaml::emit(in, serverFields));
			CPPUNIT_ASSERT_EQUAL(in.kind, out.kind);
			CPPUNIT_ASSERT_EQUAL(in.name, out.name);
			CPPUNIT_ASSERT(in.sameContent(out));
		}
	}

	void testTrickyStringsRoundTrip()
	{
		for (const auto& s : trickyStrings())
		{
			Entity in = sample();
			in.content = s;
			auto specObject = Nexus::Http::Json::object();
			specObject->set("value", s);
			specObject->set(s.empty() ? "empty" : s, "as a key");
			Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
			list->add(s);
			specObject->set("list", list);
			in.spec = Nexus::Http::Json::stringify(*specObject);
			if (s.find_first_of("\n\r\t\x01\x7F") == std::string::npos && !s.empty() && s.size() < 200) in.title = s;
			const std::string text = KnowledgeYaml::emit(in, false);
			const auto docs = KnowledgeYaml::parseStream(text, Limits());
			CPPUNIT_ASSERT_EQUAL_MESSAGE(text, std::size_t(1), docs.size());
			CPPUNIT_ASSERT_MESSAGE(text + (docs[0].error ? docs[0].error->what() : ""), docs[0].entity.has_value());
			const Entity& out = *docs[0].entity;
			CPPUNIT_ASSERT_EQUAL_MESSAGE("content of:\n" + text, in.content, out.content);
			CPPUNIT_ASSERT_EQUAL_MESSAGE("spec of:\n" + text, in.spec, out.spec);
			CPPUNIT_ASSERT_EQUAL_MESSAGE("title of:\n" + text, in.title.empty() ? in.name : in.title, out.title);
		}
	}

	void testJsonValuesRoundTrip()
	{
		const std::string json = R"({"i":8080,"neg":-3,"zero":0,"f":0.1,"one":1.0,"big":1e300,"small":-2.5e-7,)"
		                         R"("max":9223372036854775807,"t":true,"f2":false,"n":null,"s":"text",)"
		                         R"("arr":[1,"2",[3,[]],{}],"obj":{"nested":{"deep":["x"]}},"empty":{},"none":[]})";
		Entity in = sample();
		in.spec = Nexus::Http::Json::stringify(*parseJson(json));
		const std::string text = KnowledgeYaml::emit(in, false);
		const Entity out = parse(text);
		CPPUNIT_ASSERT_EQUAL_MESSAGE(text, in.spec, out.spec);
		// A second trip changes nothing either (what export, then import, rely on).
		CPPUNIT_ASSERT_EQUAL(text, KnowledgeYaml::emit(out, false));
	}

	void testEmitStream()
	{
		CPPUNIT_ASSERT_EQUAL(std::string(), KnowledgeYaml::emitStream({}, true));
		Entity a = sample();
		Entity b = sample();
		b.name = "gpu-box-2";
		const std::string text = KnowledgeYaml::emitStream({a, b}, true);
		const auto docs = KnowledgeYaml::parseStream(text, Limits());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), docs.size());
		CPPUNIT_ASSERT_EQUAL(std::string("gpu-box-1"), docs[0].entity->name);
		CPPUNIT_ASSERT_EQUAL(std::string("gpu-box-2"), docs[1].entity->name);
		CPPUNIT_ASSERT_EQUAL(2, docs[0].line);
	}

	void testMultiDocumentStream()
	{
		const std::string text = "# three documents and an empty one\n"
		                         "---\n"
		                         "apiVersion: nexus/v1\n"
		                         "kind: domain\n"
		                         "metadata: {name: example.com}\n"
		                         "---\n"
		                         "---\n"
		                         "apiVersion: nexus/v1\n"
		                         "kind: domain\n"
		                         "metadata:\n"
		                         "  name: example.org\n"
		                         "spec: [not, a, mapping]\n"
		                         "---\n"
		                         "apiVersion: nexus/v1\n"
		                         "kind: project\n"
		                         "metadata: {name: website}\n";
		const auto docs = KnowledgeYaml::parseStream(text, Limits());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), docs.size());
		CPPUNIT_ASSERT(docs[0].entity && docs[0].entity->name == "example.com");
		CPPUNIT_ASSERT_EQUAL(3, docs[0].line);
		CPPUNIT_ASSERT(!docs[1].entity);
		CPPUNIT_ASSERT_EQUAL(8, docs[1].line);
		CPPUNIT_ASSERT_EQUAL(12, docs[1].error->line());
		CPPUNIT_ASSERT_EQUAL(std::string("line 12: spec must be an object (a mapping of keys to values)"),
		                     std::string(docs[1].error->what()));
		CPPUNIT_ASSERT(docs[2].entity && docs[2].entity->kind == "project");
	}

	/// yaml-cpp alone loops for ever on these (t/fuzz, knowledge_yaml).
	void testStrayCommaIsASyntaxError()
	{
		for (const std::string text : {",", "{a: 1},", "&a ,", "!t ,", "apiVersion: nexus/v1\n---\n[x],\n"})
		{
			const auto e = thrown<YamlError>([&] { KnowledgeYaml::parseStream(text, Limits()); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "malformed YAML"));
		}
		const auto e =
		    thrown<YamlError>([] { KnowledgeYaml::parseOne("{a: 1},", Limits(), std::nullopt); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(1, e.line());
	}

	void testSyntaxErrorHasLineAndColumn()
	{
		const std::string text = "apiVersion: nexus/v1\nkind: server\nmetadata:\n  name: x\n  tags: [a, b\n"
		                         "spec: {}\n";
		const auto e = thrown<YamlError>([&] { KnowledgeYaml::parseStream(text, Limits()); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), e.line() >= 5 && e.line() <= 6);
		CPPUNIT_ASSERT_MESSAGE(e.what(), e.column() > 0);
		CPPUNIT_ASSERT_MESSAGE(e.what(),
		                       NexusTest::startsWith(e.what(), "line " + std::to_string(e.line()) + ", column "));
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "malformed YAML"));
		const auto tab =
		    thrown<YamlError>([&] { KnowledgeYaml::parseStream("a: 1\n\tb: 2\n", Limits()); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(2, tab.line());
	}

	void testErrorsNameTheirLine()
	{
		struct Case
		{
			std::string yaml;
			int line;
			std::string message;
		};
		const std::string head = "apiVersion: nexus/v1\nkind: server\n";
		const std::vector<Case> cases = {
		    {"[1, 2]\n", 1, "must be a mapping"},
		    {head + "metadata: {name: x}\nextra: 1\n", 4, "unknown key 'extra'"},
		    {head + "metadata:\n  name: x\n  owner: me\n", 5, "unknown key 'metadata.owner'"},
		    {head + "metadata: [x]\n", 3, "metadata must be a mapping"},
		    {head + "metadata:\n  title: no name\n", 4, "metadata.name is required"},
		    {head + "metadata:\n  name: ../etc\n", 4, "metadata.name must be letters"},
		    {head + "metadata:\n  name: x\n  tags:\n    - ok\n    - not ok\n", 7, "metadata.tags[1] must be"},
		    {head + "metadata:\n  name: x\n  links:\n    - url: https://example.com\n    - title: no url\n", 7,
		     "metadata.links[1].url is required"},
		    {head + "metadata:\n  name: x\n  links:\n    - url: javascript:alert(1)\n", 6,
		     "metadata.links[0].url must be an http"},
		    {head + "metadata:\n  name: x\n  title: [a]\n", 5, "metadata.title must be a string"},
		    {"apiVersion: nexus/v1\nkind: planet\nmetadata: {name: x}\n", 2, "kind must be one of server, domain"},
		    {head + "metadata: {name: x}\nspec: 42\n", 4, "spec must be an object"},
		    {head + "metadata: {name: x}\ncontent:\n  a: b\n", 5, "content must be a string"},
		};
		for (const auto& c : cases)
		{
			const YamlError e = refused(c.yaml);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(c.yaml + " -> " + e.what(), c.line, e.line());
			CPPUNIT_ASSERT_MESSAGE(c.yaml + " -> " + e.what(), contains(e.what(), c.message));
			CPPUNIT_ASSERT_MESSAGE(e.what(), NexusTest::startsWith(e.what(), "line " + std::to_string(c.line) + ": "));
		}
	}

	void testDuplicateKeys()
	{
		const YamlError top = refused("apiVersion: nexus/v1\nkind: server\nkind: domain\nmetadata: {name: x}\n");
		CPPUNIT_ASSERT_EQUAL(3, top.line());
		CPPUNIT_ASSERT_MESSAGE(top.what(), contains(top.what(), "duplicate key 'kind'"));
		const YamlError inner =
		    refused("apiVersion: nexus/v1\nkind: server\nmetadata: {name: x}\nspec:\n  a: 1\n  b: 2\n  a: 3\n");
		CPPUNIT_ASSERT_EQUAL(7, inner.line());
		CPPUNIT_ASSERT_MESSAGE(inner.what(), contains(inner.what(), "duplicate key 'a'"));
	}

	// Found by t/fuzz/knowledge_yaml: a spec key with a NUL (raw, or the
	// escape "\0") was stored, then exported cut at the NUL (the stored JSON's
	// parser, Poco's, cuts keys there), so the entity changed on export.
	// JSON bodies refuse such keys (Http::Json::parseObject); YAML does too.
	void testNulInKeyRefused()
	{
		const std::string head = "apiVersion: nexus/v1\nkind: server\nmetadata: {name: x}\nspec:\n  ok: 1\n";
		const YamlError escaped = refused(head + "  \"a\\0b\": 1\n");
		CPPUNIT_ASSERT_EQUAL(6, escaped.line());
		CPPUNIT_ASSERT_MESSAGE(escaped.what(), contains(escaped.what(), "a key must not contain NUL"));
		const YamlError raw = refused(head + "  nested:\n    \"k" + std::string(1, '\0') + "ey\": 1\n");
		CPPUNIT_ASSERT_EQUAL(7, raw.line());
		CPPUNIT_ASSERT_MESSAGE(raw.what(), contains(raw.what(), "a key must not contain NUL"));
		// A NUL in a value is kept, and survives export.
		const Entity value = KnowledgeYaml::parseOne(head + "  v: \"a\\0b\"\n", Limits(), Key{"server", "x"});
		const Entity again = KnowledgeYaml::parseOne(KnowledgeYaml::emit(value, false), Limits(), Key{"server", "x"});
		CPPUNIT_ASSERT(again.sameContent(value));
		CPPUNIT_ASSERT(value.spec.find("\\u0000") != std::string::npos);
	}

	void testApiVersion()
	{
		const YamlError missing = refused("kind: server\nmetadata: {name: x}\n");
		CPPUNIT_ASSERT_MESSAGE(missing.what(), contains(missing.what(), "apiVersion is required"));
		const YamlError wrong = refused("kind: server\napiVersion: backstage.io/v1alpha1\nmetadata: {name: x}\n");
		CPPUNIT_ASSERT_EQUAL(2, wrong.line());
		CPPUNIT_ASSERT_MESSAGE(wrong.what(), contains(wrong.what(), "apiVersion must be nexus/v1"));
	}

	void testParseOne()
	{
		const Key key{"server", "gpu-box-1"};
		// kind and name may come from the path alone.
		const Entity e = KnowledgeYaml::parseOne("apiVersion: nexus/v1\nspec: {a: 1}\n", Limits(), key);
		CPPUNIT_ASSERT_EQUAL(std::string("server"), e.kind);
		CPPUNIT_ASSERT_EQUAL(std::string("gpu-box-1"), e.name);
		CPPUNIT_ASSERT_EQUAL(std::string("gpu-box-1"), e.title);
		const auto mismatch = thrown<YamlError>(
		    [&] {
			    KnowledgeYaml::parseOne("apiVersion: nexus/v1\nkind: server\nmetadata:\n  name: other\n", Limits(),
			                            key);
		    },
		    CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(std::string("line 4: metadata.name is 'other' but the path names 'gpu-box-1'"),
		                     std::string(mismatch.what()));
		const auto kind =
		    thrown<YamlError>([&] { KnowledgeYaml::parseOne("apiVersion: nexus/v1\nkind: domain\n", Limits(), key); },
		                      CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(2, kind.line());
		const auto none =
		    thrown<YamlError>([&] { KnowledgeYaml::parseOne("# nothing\n", Limits(), key); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(none.what(), contains(none.what(), "no YAML document"));
		const auto two = thrown<YamlError>(
		    [&] { KnowledgeYaml::parseOne("apiVersion: nexus/v1\n---\napiVersion: nexus/v1\n", Limits(), key); },
		    CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(3, two.line());
		CPPUNIT_ASSERT_MESSAGE(two.what(), contains(two.what(), "one YAML document, not 2"));
	}

	void testAliasBombRefused()
	{
		std::string text = "apiVersion: nexus/v1\nkind: server\nmetadata: {name: x}\nspec:\n  a0: &a0 [x, x, x, x, x, "
		                   "x, x, x, x, x]\n";
		for (int i = 1; i < 9; ++i)
		{
			const std::string prev = "*a" + std::to_string(i - 1);
			text += "  a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev + ", " + prev + ", " + prev +
			        ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev + ", " + prev +
			        "]\n";
		}
		const YamlError e = refused(text);
		CPPUNIT_ASSERT_MESSAGE(e.what(), e.tooLarge());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "aliases included"));
		// A small alias is fine.
		CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":["x"],"b":["x"]})"), spec("  a: &l [x]\n  b: *l\n"));
	}

	void testDeepNestingRefused()
	{
		const std::string deep = std::string(40, '[') + std::string(40, ']');
		const YamlError e =
		    refused("apiVersion: nexus/v1\nkind: server\nmetadata: {name: x}\nspec:\n  a: " + deep + "\n");
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "nesting deeper than"));
	}

	void testContentLimit()
	{
		Limits limits;
		limits.maxContentBytes = 1024;
		const std::string head = "apiVersion: nexus/v1\nkind: server\nmetadata: {name: x}\ncontent: ";
		const auto ok = KnowledgeYaml::parseStream(head + std::string(1024, 'a') + "\n", limits);
		CPPUNIT_ASSERT(ok[0].entity.has_value());
		const auto big = KnowledgeYaml::parseStream(head + std::string(1025, 'a') + "\n", limits);
		CPPUNIT_ASSERT(!big[0].entity);
		CPPUNIT_ASSERT(big[0].error->tooLarge());
		CPPUNIT_ASSERT_EQUAL(std::string("line 4: content may be at most 1024 bytes"),
		                     std::string(big[0].error->what()));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(KnowledgeYamlTest);
