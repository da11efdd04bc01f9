// The knowledge YAML import (KnowledgeYaml::parseStream, what `nexusctl
// knowledge import` and a YAML PUT read). Input: a YAML stream. A document
// that is a valid entity must survive its own export: emit(), read back,
// is the same entity.

#include "knowledge/KnowledgeYaml.h"
#include "knowledge/YamlJson.h"

#include <cstdio>
#include <cstdlib>

using namespace Nexus::Knowledge;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const std::string text(reinterpret_cast<const char*>(data), size);
	Limits limits;
	limits.maxContentBytes = 65536;
	std::vector<KnowledgeYaml::Document> documents;
	try
	{
		documents = KnowledgeYaml::parseStream(text, limits);
	}
	catch (const YamlError&)
	{
		return 0;
	}
	for (const auto& document : documents)
	{
		if (!document.entity) continue;
		const Entity& entity = *document.entity;
		const std::string emitted = KnowledgeYaml::emit(entity, false);
		Entity again;
		try
		{
			again = KnowledgeYaml::parseOne(emitted, limits, Key{entity.kind, entity.name});
		}
		catch (const YamlError& e)
		{
			std::fprintf(stderr, "an emitted entity does not read back: %s\n%s\n", e.what(), emitted.c_str());
			std::abort();
		}
		if (again.kind != entity.kind || again.name != entity.name || !again.sameContent(entity))
		{
			std::fprintf(stderr, "an emitted entity reads back different:\n");
			std::fwrite(emitted.data(), 1, emitted.size(), stderr); // may hold NUL bytes
			std::fprintf(stderr, "\nspec before: %s\nspec after:  %s\ncontent before: %zu bytes, after: %zu\n",
			             entity.spec.c_str(), again.spec.c_str(), entity.content.size(), again.content.size());
			std::abort();
		}
	}
	return 0;
}
