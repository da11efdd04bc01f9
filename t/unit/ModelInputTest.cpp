// ModelInput: the rules of a model registry entry as a client sends it.
#include "registry/ModelInput.h"
#include "http/HttpError.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/JSON/Parser.h>

#include <string>
#include <vector>

using Nexus::Http::BadRequest;
using Nexus::Registry::ModelEntry;
using Nexus::Registry::ModelInput;

using NexusTest::contains;
using NexusTest::thrown;

namespace {

ModelEntry parse(const std::string& json)
{
	return ModelInput::parse(Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>());
}

/// A minimal valid body with extra members appended (",\"k\": v").
std::string body(const std::string& extra = "")
{
	return "{\"slug\": \"gpt-4o\", \"model_id\": \"openai/gpt-4o\"" + extra + "}";
}

/// The message of the BadRequest that parsing json throws.
std::string refusal(const std::string& json, const CppUnit::SourceLine& line)
{
	return thrown<BadRequest>([&] { parse(json); }, line).what();
}

} // namespace

#define ASSERT_REFUSED(json, field)                                                                                    \
	do                                                                                                                 \
	{                                                                                                                  \
		const std::string message = refusal(json, CPPUNIT_SOURCELINE());                                               \
		CPPUNIT_ASSERT_MESSAGE(message + " (wanted the field " + (field) + ")",                                        \
		                       contains(message, std::string("'") + (field) + "'"));                                   \
	} while (false)

class ModelInputTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ModelInputTest);
	CPPUNIT_TEST(testSlugs);
	CPPUNIT_TEST(testModalitiesAndParameterNames);
	CPPUNIT_TEST(testDefaults);
	CPPUNIT_TEST(testFullEntry);
	CPPUNIT_TEST(testModelIdAndSlugRefused);
	CPPUNIT_TEST(testProvider);
	CPPUNIT_TEST(testName);
	CPPUNIT_TEST(testStrictIntegers);
	CPPUNIT_TEST(testModalityFields);
	CPPUNIT_TEST(testPricing);
	CPPUNIT_TEST(testSupportedParameters);
	CPPUNIT_TEST(testDeprecationDate);
	CPPUNIT_TEST(testMetadata);
	CPPUNIT_TEST(testUnknownAndReadOnlyFields);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSlugs()
	{
		for (const char* good : {"gpt-4o", "llama3.1:8b", "Claude_3.5", "a", "x-"})
			CPPUNIT_ASSERT_MESSAGE(good, ModelInput::isSlug(good));
		for (const char* bad : {"", ".", "..", "gpt/4o", "gpt 4o", "gpt+4o", "é"})
			CPPUNIT_ASSERT_MESSAGE(bad, !ModelInput::isSlug(bad));
		CPPUNIT_ASSERT(ModelInput::isSlug(std::string(100, 'a')));
		CPPUNIT_ASSERT(!ModelInput::isSlug(std::string(101, 'a')));
		CPPUNIT_ASSERT_EQUAL(std::string("openrouter"), ModelInput::providerOf("openrouter/meta-llama/llama-3-70b"));
	}

	void testModalitiesAndParameterNames()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("text, image, audio, video, file"), ModelInput::modalityList());
		CPPUNIT_ASSERT(ModelInput::isModality("image"));
		CPPUNIT_ASSERT(!ModelInput::isModality("Image"));
		CPPUNIT_ASSERT(!ModelInput::isModality("embeddings"));
		CPPUNIT_ASSERT(ModelInput::isParameterName("max_tokens"));
		CPPUNIT_ASSERT(ModelInput::isParameterName("top_k2"));
		CPPUNIT_ASSERT(ModelInput::isParameterName(std::string(64, 'a')));
		CPPUNIT_ASSERT(!ModelInput::isParameterName(std::string(65, 'a')));
		CPPUNIT_ASSERT(!ModelInput::isParameterName("maxTokens"));
		CPPUNIT_ASSERT(!ModelInput::isParameterName("max-tokens"));
		CPPUNIT_ASSERT(!ModelInput::isParameterName(""));
	}

	void testDefaults()
	{
		const ModelEntry m = parse(body());
		CPPUNIT_ASSERT_EQUAL(std::string("openai/gpt-4o"), m.modelId);
		CPPUNIT_ASSERT_EQUAL(std::string("gpt-4o"), m.slug);
		CPPUNIT_ASSERT_EQUAL(std::string("openai"), m.provider);
		CPPUNIT_ASSERT_EQUAL(std::string("openai/gpt-4o"), m.name);
		CPPUNIT_ASSERT(!m.contextLength && !m.maxOutputTokens && !m.deprecationDate);
		CPPUNIT_ASSERT(m.inputModalities == std::vector<std::string>{"text"});
		CPPUNIT_ASSERT(m.outputModalities == std::vector<std::string>{"text"});
		CPPUNIT_ASSERT_EQUAL(std::string("{}"), m.pricingJson);
		CPPUNIT_ASSERT_EQUAL(std::string("[]"), m.supportedParametersJson);
		CPPUNIT_ASSERT_EQUAL(std::string("{}"), m.metadataJson);
		// null is the same as leaving a field out.
		const ModelEntry n = parse(body(", \"name\": null, \"context_length\": null, \"input_modalities\": null, "
		                                "\"pricing\": null, \"supported_parameters\": null, \"deprecation_date\": "
		                                "null, \"metadata\": null, \"provider\": null"));
		CPPUNIT_ASSERT_EQUAL(std::string("openai/gpt-4o"), n.name);
		CPPUNIT_ASSERT(n.inputModalities == std::vector<std::string>{"text"});
		CPPUNIT_ASSERT_EQUAL(std::string("{}"), n.pricingJson);
	}

	void testFullEntry()
	{
		const ModelEntry m = parse(
		    "{\"slug\": \"llama-3-70b\", \"model_id\": \"openrouter/meta-llama/llama-3-70b\", \"provider\": "
		    "\"openrouter\", \"name\": \"Llama 3 70B (OpenRouter)\", \"context_length\": 8192, "
		    "\"max_output_tokens\": 4294967295, \"input_modalities\": [\"text\", \"image\", \"text\"], "
		    "\"output_modalities\": [\"text\"], \"pricing\": {\"cache_write\": 1, \"prompt\": 0.59, \"completion\": "
		    "0.79, \"cache_read\": 0}, \"supported_parameters\": [\"temperature\", \"max_tokens\", \"tools\"], "
		    "\"deprecation_date\": \"2026-12-31\", \"metadata\": {\"tier\": \"large\", \"tags\": [1, 2]}}");
		CPPUNIT_ASSERT_EQUAL(std::string("openrouter"), m.provider);
		CPPUNIT_ASSERT_EQUAL(std::string("Llama 3 70B (OpenRouter)"), m.name);
		CPPUNIT_ASSERT_EQUAL(8192u, *m.contextLength);
		CPPUNIT_ASSERT_EQUAL(4294967295u, *m.maxOutputTokens);
		CPPUNIT_ASSERT(m.inputModalities == (std::vector<std::string>{"text", "image"}));
		// Pricing keys come out in a fixed order whatever order they came in.
		CPPUNIT_ASSERT_EQUAL(std::string("{\"prompt\":0.59,\"completion\":0.79,\"cache_read\":0,\"cache_write\":1}"),
		                     m.pricingJson);
		CPPUNIT_ASSERT_EQUAL(std::string("[\"temperature\",\"max_tokens\",\"tools\"]"), m.supportedParametersJson);
		CPPUNIT_ASSERT_EQUAL(std::string("2026-12-31"), *m.deprecationDate);
		CPPUNIT_ASSERT(contains(m.metadataJson, "\"tier\":\"large\""));
		CPPUNIT_ASSERT_EQUAL(std::string("ollama"), parse("{\"slug\": \"llama3.1\", \"model_id\": "
		                                                  "\"ollama/llama3.1:8b\"}")
		                                                .provider);
	}

	void testModelIdAndSlugRefused()
	{
		ASSERT_REFUSED("{\"slug\": \"gpt-4o\"}", "model_id");
		for (const char* bad : {"\"gpt-4o\"", "\"openai/\"", "\"/gpt-4o\"", "\"openai//gpt-4o\"", "\"openai/gpt 4o\"",
		                        "\"openai/../x\"", "\"\"", "42", "[\"openai/gpt-4o\"]"})
			ASSERT_REFUSED(std::string("{\"slug\": \"gpt-4o\", \"model_id\": ") + bad + "}", "model_id");
		ASSERT_REFUSED("{\"slug\": \"gpt-4o\", \"model_id\": \"openai/" + std::string(194, 'a') + "\"}", "model_id");
		CPPUNIT_ASSERT_NO_THROW(
		    parse("{\"slug\": \"gpt-4o\", \"model_id\": \"openai/" + std::string(193, 'a') + "\"}"));
		// The provider part must fit its column.
		ASSERT_REFUSED("{\"slug\": \"x\", \"model_id\": \"" + std::string(101, 'p') + "/m\"}", "model_id");

		ASSERT_REFUSED("{\"model_id\": \"openai/gpt-4o\"}", "slug");
		for (const char* bad : {"\"gpt/4o\"", "\"\"", "\".\"", "\"gpt 4o\"", "1"})
			ASSERT_REFUSED(std::string("{\"model_id\": \"openai/gpt-4o\", \"slug\": ") + bad + "}", "slug");
		ASSERT_REFUSED("{\"model_id\": \"openai/gpt-4o\", \"slug\": \"" + std::string(101, 's') + "\"}", "slug");
	}

	void testProvider()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("openai"), parse(body(", \"provider\": \"openai\"")).provider);
		const std::string message = refusal(body(", \"provider\": \"azure\""), CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(message, contains(message, "'provider'") && contains(message, "'azure'") &&
		                                    contains(message, "'openai'"));
		ASSERT_REFUSED(body(", \"provider\": \"OpenAI\""), "provider");
		ASSERT_REFUSED(body(", \"provider\": \"\""), "provider");
		ASSERT_REFUSED(body(", \"provider\": 1"), "provider");
	}

	void testName()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("GPT-4o \xE2\x9C\x93"), parse(body(", \"name\": \"GPT-4o \\u2713\"")).name);
		ASSERT_REFUSED(body(", \"name\": \"\""), "name");
		ASSERT_REFUSED(body(", \"name\": \"a\\nb\""), "name");
		ASSERT_REFUSED(body(", \"name\": \"" + std::string(201, 'n') + "\""), "name");
		CPPUNIT_ASSERT_NO_THROW(parse(body(", \"name\": \"" + std::string(200, 'n') + "\"")));
		ASSERT_REFUSED(body(", \"name\": true"), "name");
	}

	void testStrictIntegers()
	{
		for (const char* field : {"context_length", "max_output_tokens"})
		{
			const std::string f = std::string(", \"") + field + "\": ";
			CPPUNIT_ASSERT_NO_THROW(parse(body(f + "1")));
			for (const char* bad : {"0", "-1", "4294967296", "1.5", "128000.0", "1e3", "\"128000\"", "true", "[1]",
			                        "{}", "18446744073709551615"})
				ASSERT_REFUSED(body(f + bad), field);
		}
	}

	void testModalityFields()
	{
		for (const char* field : {"input_modalities", "output_modalities"})
		{
			const std::string f = std::string(", \"") + field + "\": ";
			CPPUNIT_ASSERT_NO_THROW(parse(body(f + "[\"text\", \"image\", \"audio\", \"video\", \"file\"]")));
			for (const char* bad : {"[]", "[\"embeddings\"]", "[\"Text\"]", "\"text\"", "[1]", "[\"\"]", "{}"})
				ASSERT_REFUSED(body(f + bad), field);
		}
		const std::string message = refusal(body(", \"input_modalities\": [\"pdf\"]"), CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(message, contains(message, "text, image, audio, video, file"));
	}

	void testPricing()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("{\"prompt\":2.5}"),
		                     parse(body(", \"pricing\": {\"prompt\": 2.5}")).pricingJson);
		CPPUNIT_ASSERT_EQUAL(std::string("{\"prompt\":0}"),
		                     parse(body(", \"pricing\": {\"prompt\": -0.0}")).pricingJson);
		CPPUNIT_ASSERT_EQUAL(std::string("{}"), parse(body(", \"pricing\": {}")).pricingJson);
		for (const char* bad : {"{\"prompt\": -1}", "{\"prompt\": \"2.5\"}", "{\"prompt\": null}", "{\"prompt\": true}",
		                        "{\"prompt\": [1]}", "[]", "\"cheap\"", "1"})
			ASSERT_REFUSED(body(std::string(", \"pricing\": ") + bad), "pricing");
		// The bad key is named.
		std::string message = refusal(body(", \"pricing\": {\"prompt\": 1, \"input\": 2}"), CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(message, contains(message, "'input'"));
		message = refusal(body(", \"pricing\": {\"completion\": \"free\"}"), CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(message, contains(message, "'completion'"));
	}

	void testSupportedParameters()
	{
		CPPUNIT_ASSERT_EQUAL(
		    std::string("[\"tools\",\"top_p\"]"),
		    parse(body(", \"supported_parameters\": [\"tools\", \"top_p\", \"tools\"]")).supportedParametersJson);
		for (const char* bad : {"[\"Temperature\"]", "[\"max-tokens\"]", "[\"\"]", "[1]", "\"tools\"", "{}"})
			ASSERT_REFUSED(body(std::string(", \"supported_parameters\": ") + bad), "supported_parameters");
		ASSERT_REFUSED(body(", \"supported_parameters\": [\"" + std::string(65, 'p') + "\"]"), "supported_parameters");
		std::string many = "[";
		for (int i = 0; i <= 100; ++i) many += (i ? ", \"p" : "\"p") + std::to_string(i) + "\"";
		ASSERT_REFUSED(body(", \"supported_parameters\": " + many + "]"), "supported_parameters");
	}

	void testDeprecationDate()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("2024-02-29"),
		                     *parse(body(", \"deprecation_date\": \"2024-02-29\"")).deprecationDate);
		for (const char* bad :
		     {"\"2026-02-30\"", "\"2026-13-01\"", "\"tomorrow\"", "\"2026-06-30T00:00:00Z\"", "20260630", "\"\""})
			ASSERT_REFUSED(body(std::string(", \"deprecation_date\": ") + bad), "deprecation_date");
	}

	void testMetadata()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":[1,{\"b\":null}]}"),
		                     parse(body(", \"metadata\": {\"a\": [1, {\"b\": null}]}")).metadataJson);
		for (const char* bad : {"[]", "\"x\"", "1"})
			ASSERT_REFUSED(body(std::string(", \"metadata\": ") + bad), "metadata");
		// {"k":"..."} is 8 bytes around the value: 16384 bytes fit, 16385 do not.
		CPPUNIT_ASSERT_NO_THROW(parse(body(", \"metadata\": {\"k\": \"" + std::string(16376, 'x') + "\"}")));
		ASSERT_REFUSED(body(", \"metadata\": {\"k\": \"" + std::string(16377, 'x') + "\"}"), "metadata");
	}

	void testUnknownAndReadOnlyFields()
	{
		ASSERT_REFUSED(body(", \"modalities\": [\"text\"]"), "modalities");
		ASSERT_REFUSED(body(", \"top_provider\": {}"), "top_provider");
		// What GET returns can be sent back: id and the times are ignored.
		const ModelEntry m = parse(body(", \"id\": 7, \"created_at\": \"2020-01-01T00:00:00.000Z\", "
		                                "\"updated_at\": \"x\""));
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), m.id);
		CPPUNIT_ASSERT(m.createdAt.empty() && m.updatedAt.empty());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(ModelInputTest);
