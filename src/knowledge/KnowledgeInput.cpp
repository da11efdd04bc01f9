#include "knowledge/KnowledgeInput.h"

#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Request.h"
#include "knowledge/KnowledgeYaml.h"

#include <algorithm>
#include <set>

namespace Nexus {
namespace Knowledge {

bool KnowledgeInput::isYamlMediaType(const std::string& mediaType)
{
	static const std::set<std::string> kYamlMediaTypes = {"application/yaml", "application/x-yaml", "text/yaml",
	                                                      "text/x-yaml"};
	return kYamlMediaTypes.count(mediaType) != 0;
}

Entity KnowledgeInput::entity(const Http::Request& request, const Key& key, const Limits& limits)
{
	if (request.body().empty())
		throw Http::BadRequest("request body is empty; expected a knowledge entity as JSON or YAML");
	const std::string mediaType = request.mediaType();
	if (isYamlMediaType(mediaType))
	{
		try
		{
			return KnowledgeYaml::parseOne(request.body(), limits, key);
		}
		catch (const YamlError& e)
		{
			if (e.tooLarge()) throw Http::PayloadTooLarge(e.what());
			throw Http::BadRequest(e.what());
		}
	}
	if (mediaType != "application/json")
		throw Http::UnsupportedMediaType("request body must be application/json or application/yaml");
	const auto object = Http::Json::parseObject(request);
	try
	{
		return entityFromJson(*object, limits, key);
	}
	catch (const InvalidEntity& e)
	{
		if (e.tooLarge()) throw Http::PayloadTooLarge(e.what());
		throw Http::BadRequest(e.what());
	}
}

std::vector<std::string> KnowledgeInput::kinds(const Http::Request& request)
{
	std::vector<std::string> kinds;
	const auto value = request.query("kind");
	if (!value) return kinds;
	std::size_t start = 0;
	while (start <= value->size())
	{
		auto end = value->find(',', start);
		if (end == std::string::npos) end = value->size();
		std::string kind = value->substr(start, end - start);
		kind.erase(0, kind.find_first_not_of(' '));
		kind.erase(kind.find_last_not_of(' ') + 1);
		if (!kind.empty())
		{
			if (!Kinds::isKind(kind))
				throw Http::BadRequest("query parameter 'kind': unknown kind '" + kind + "'; the kinds are " +
				                       Kinds::list());
			if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) kinds.push_back(kind);
		}
		start = end + 1;
	}
	return kinds;
}

} // namespace Knowledge
} // namespace Nexus
