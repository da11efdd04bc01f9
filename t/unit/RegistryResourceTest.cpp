// Registry::toJson: a model registry entry as the API returns it (and as
// the agents' effective configuration embeds it).
#include "registry/RegistryResource.h"
#include "http/Json.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Registry::ModelEntry;

class RegistryResourceTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(RegistryResourceTest);
	CPPUNIT_TEST(testFullEntry);
	CPPUNIT_TEST(testNulls);
	CPPUNIT_TEST_SUITE_END();

public:
	void testFullEntry()
	{
		ModelEntry m;
		m.id = 7;
		m.modelId = "openai/gpt-4o";
		m.slug = "gpt-4o";
		m.provider = "openai";
		m.name = "GPT-4o";
		m.contextLength = 128000;
		m.maxOutputTokens = 16384;
		m.inputModalities = {"text", "image"};
		m.outputModalities = {"text"};
		m.pricingJson = "{\"prompt\":2.5,\"completion\":10}";
		m.supportedParametersJson = "[\"tools\"]";
		m.deprecationDate = "2026-06-30";
		m.metadataJson = "{\"tier\":\"large\"}";
		m.createdAt = "2026-11-29 03:16:57.123";
		m.updatedAt = "2026-11-30 10:00:00.000";
		CPPUNIT_ASSERT_EQUAL(
		    std::string(
		        "{\"id\":7,\"slug\":\"gpt-4o\",\"model_id\":\"openai/gpt-4o\",\"provider\":\"openai\",\"name\":"
		        "\"GPT-4o\",\"context_length\":128000,\"max_output_tokens\":16384,\"input_modalities\":[\"text\","
		        "\"image\"],\"output_modalities\":[\"text\"],\"pricing\":{\"prompt\":2.5,\"completion\":10},"
		        "\"supported_parameters\":[\"tools\"],\"deprecation_date\":\"2026-06-30\",\"metadata\":{\"tier\":"
		        "\"large\"},\"created_at\":\"2026-11-29T03:16:57.123Z\",\"updated_at\":\"2026-11-30T10:00:00.000Z\"}"),
		    Nexus::Http::Json::stringify(*Nexus::Registry::toJson(m)));
	}

	void testNulls()
	{
		ModelEntry m;
		m.id = 1;
		m.modelId = m.name = "ollama/llama3.1:8b";
		m.slug = "llama3.1";
		m.provider = "ollama";
		m.inputModalities = m.outputModalities = {"text"};
		m.createdAt = m.updatedAt = "2026-11-29 03:16:57.000";
		const auto o = Nexus::Registry::toJson(m);
		for (const char* field : {"context_length", "max_output_tokens", "deprecation_date"})
			CPPUNIT_ASSERT_MESSAGE(field, o->has(field) && o->isNull(field));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), o->getObject("pricing")->size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), o->getArray("supported_parameters")->size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), o->getObject("metadata")->size());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(RegistryResourceTest);
