#include "profiles/Profile.h"

#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Validate.h"
#include "registry/ModelStore.h"

#include <Poco/JSON/Parser.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <algorithm>
#include <set>

namespace Nexus {
namespace Profiles {

using Http::BadRequest;

namespace {

const std::size_t kMaxGatewayNameChars = 100;

const char* const kFields[] = {"name", "model", "fallbacks", "vision", "gateway", "description", "parameters"};

std::string checkedModel(const std::string& value, const std::string& field)
{
	if (!Http::Validate::modelId(value))
		throw BadRequest("field '" + field +
		                 "' must be a model id 'provider/model' (letters, digits, '.', '_', '-', ':'" +
		                 " in parts separated by '/', at most 200 characters), got '" + value.substr(0, 200) + "'");
	return value;
}

std::vector<std::string> parseOn(const Poco::JSON::Array::Ptr& on, const std::string& field)
{
	if (!on || on->size() == 0) throw BadRequest("field '" + field + "' must be a non-empty array of error classes");
	const auto& known = ProfileJson::errorClasses();
	std::vector<std::string> classes;
	for (std::size_t i = 0; i < on->size(); ++i)
	{
		const Poco::Dynamic::Var v = on->get(i);
		const std::string value = v.isString() ? v.extract<std::string>() : std::string();
		if (std::find(known.begin(), known.end(), value) == known.end())
		{
			throw BadRequest("field '" + field + "' may only hold " +
			                 Poco::cat(std::string(", "), known.begin(), known.end()));
		}
		if (std::find(classes.begin(), classes.end(), value) == classes.end()) classes.push_back(value);
	}
	return classes;
}

std::vector<Fallback> parseFallbacks(const Poco::JSON::Array::Ptr& array)
{
	if (array->size() > ProfileJson::kMaxFallbacks)
		throw BadRequest("field 'fallbacks' holds at most " + std::to_string(ProfileJson::kMaxFallbacks) + " models");
	std::vector<Fallback> fallbacks;
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const std::string field = "fallbacks[" + std::to_string(i) + "]";
		const Poco::Dynamic::Var item = array->get(i);
		Fallback fallback;
		if (item.isString())
			fallback.model = checkedModel(item.extract<std::string>(), field);
		else if (auto object = array->getObject(i))
		{
			for (const auto& [key, value] : *object)
				if (key != "model" && key != "on")
					throw BadRequest("field '" + field + "' has an unknown key '" + key + "' (use 'model' and 'on')");
			const Poco::Dynamic::Var model = object->get("model");
			if (!model.isString()) throw BadRequest("field '" + field + ".model' must be a model id string");
			fallback.model = checkedModel(model.extract<std::string>(), field + ".model");
			if (object->has("on") && !object->isNull("on"))
			{
				auto on = object->getArray("on");
				if (!on) throw BadRequest("field '" + field + ".on' must be an array of error classes");
				fallback.on = parseOn(on, field + ".on");
			}
		}
		else
			throw BadRequest("field '" + field + "' must be a model id or {\"model\", \"on\"}");
		for (const auto& earlier : fallbacks)
			if (earlier.model == fallback.model)
				throw BadRequest("field '" + field + "' repeats the fallback '" + fallback.model + "'");
		fallbacks.push_back(std::move(fallback));
	}
	return fallbacks;
}

std::string checkedGateway(const std::string& gateway)
{
	if (Http::Validate::word(gateway, kMaxGatewayNameChars)) return gateway;
	bool url = false;
	if (gateway.size() <= ProfileJson::kMaxGatewayChars)
	{
		try
		{
			const Poco::URI uri(gateway);
			url = (uri.getScheme() == "https" || uri.getScheme() == "http") && !uri.getHost().empty() &&
			      uri.getUserInfo().empty();
		}
		catch (const Poco::SyntaxException&)
		{}
	}
	if (!url)
		throw BadRequest("field 'gateway' must be null, a gateway name (letters, digits, '_', '.', '-') or an "
		                 "http(s) URL without credentials");
	return gateway;
}

ProfilePatch parse(const Poco::JSON::Object::Ptr& body, bool create)
{
	Http::Fields fields(body, {"name", "model", "fallbacks", "vision", "gateway", "description", "parameters"});
	ProfilePatch patch;
	if (create || fields.has("name"))
	{
		patch.name = fields.string("name", 1, ProfileJson::kMaxNameChars);
		if (!ProfileJson::validName(*patch.name))
			throw BadRequest("field 'name' must be 1 to 100 characters without '/', control characters, or leading "
			                 "or trailing spaces");
	}
	if (create || fields.has("model")) patch.model = checkedModel(fields.string("model", 1, 200), "model");
	if (auto fallbacks = fields.optionalArray("fallbacks"))
		patch.fallbacks = parseFallbacks(fallbacks);
	else if (fields.isNull("fallbacks"))
		patch.fallbacks = std::vector<Fallback>();
	patch.vision = fields.optionalBool("vision");
	if (auto gateway = fields.optionalString("gateway", ProfileJson::kMaxGatewayChars))
		patch.gateway = checkedGateway(*gateway);
	patch.clearGateway = fields.isNull("gateway");
	patch.description = fields.optionalString("description", ProfileJson::kMaxDescriptionChars);
	patch.clearDescription = fields.isNull("description");
	if (auto parameters = fields.optionalObject("parameters"))
	{
		patch.parametersJson = Http::Json::stringify(*parameters);
		if (patch.parametersJson->size() > ProfileJson::kMaxParametersBytes)
			throw BadRequest("field 'parameters' is larger than " + std::to_string(ProfileJson::kMaxParametersBytes) +
			                 " bytes");
	}
	else if (fields.isNull("parameters"))
		patch.parametersJson = "{}";
	if (!create)
	{
		bool any = false;
		for (const char* f : kFields) any = any || body->has(f);
		if (!any)
			throw BadRequest("give at least one of name, model, fallbacks, vision, gateway, description, parameters");
		if (fields.isNull("name") || fields.isNull("model"))
			throw BadRequest(std::string("field '") + (fields.isNull("name") ? "name" : "model") + "' cannot be null");
	}
	return patch;
}

} // namespace

void ProfilePatch::applyTo(Profile& profile) const
{
	if (name) profile.name = *name;
	if (model) profile.model = *model;
	if (fallbacks) profile.fallbacks = *fallbacks;
	if (vision) profile.vision = *vision;
	if (gateway) profile.gateway = gateway;
	if (clearGateway) profile.gateway.reset();
	if (description) profile.description = description;
	if (clearDescription) profile.description.reset();
	if (parametersJson) profile.parametersJson = *parametersJson;
}

const std::vector<std::string>& ProfileJson::errorClasses()
{
	static const std::vector<std::string> kClasses = {"rate_limit", "timeout", "server_error", "context_window",
	                                                  "content_policy"};
	return kClasses;
}

ProfilePatch ProfileJson::parseCreate(const Poco::JSON::Object::Ptr& body)
{
	return parse(body, true);
}

ProfilePatch ProfileJson::parseUpdate(const Poco::JSON::Object::Ptr& body)
{
	return parse(body, false);
}

bool ProfileJson::validName(const std::string& name)
{
	const auto length = Http::Json::utf8Length(name);
	if (!length || *length == 0 || *length > kMaxNameChars) return false;
	if (name.front() == ' ' || name.back() == ' ') return false;
	for (unsigned char c : name)
		if (c < 0x20 || c == 0x7f || c == '/') return false;
	return true;
}

Poco::JSON::Object::Ptr ProfileJson::toJson(const Profile& p, const std::vector<std::string>& warnings)
{
	auto o = Http::Json::object();
	o->set("name", p.name);
	o->set("model", p.model);
	Poco::JSON::Parser parser;
	o->set("fallbacks", parser.parse(fallbacksToJson(p.fallbacks)));
	o->set("vision", p.vision);
	o->set("gateway", Http::Json::nullable(p.gateway));
	o->set("description", Http::Json::nullable(p.description));
	parser.reset();
	o->set("parameters", parser.parse(p.parametersJson));
	o->set("version", p.version);
	o->set("created_at", p.createdAt);
	o->set("updated_at", p.updatedAt);
	o->set("warnings", Http::Json::array(warnings));
	return o;
}

std::string ProfileJson::fallbacksToJson(const std::vector<Fallback>& fallbacks)
{
	Poco::JSON::Array array;
	for (const auto& f : fallbacks)
	{
		if (f.on.empty())
		{
			array.add(f.model);
			continue;
		}
		auto o = Http::Json::object();
		o->set("model", f.model);
		o->set("on", Http::Json::array(f.on));
		array.add(o);
	}
	return Http::Json::stringify(array);
}

std::vector<Fallback> ProfileJson::fallbacksFromJson(const std::string& json)
{
	Poco::JSON::Parser parser;
	auto array = parser.parse(json).extract<Poco::JSON::Array::Ptr>();
	return parseFallbacks(array);
}

std::vector<std::string> modelIds(const Profile& profile)
{
	std::vector<std::string> ids;
	if (!profile.model.empty()) ids.push_back(profile.model);
	for (const auto& f : profile.fallbacks)
		if (std::find(ids.begin(), ids.end(), f.model) == ids.end()) ids.push_back(f.model);
	return ids;
}

std::vector<std::string> warnings(const Profile& profile, const std::map<std::string, Registry::ModelEntry>& registry,
                                  const std::string& today)
{
	std::vector<std::string> out;
	if (profile.model.empty()) out.push_back("the profile has no model");
	for (const auto& id : modelIds(profile))
	{
		const std::string role = id == profile.model ? "model" : "fallback";
		const auto entry = registry.find(id);
		if (entry == registry.end())
		{
			out.push_back(role + " '" + id + "' is not in the model registry");
			continue;
		}
		const auto& in = entry->second.inputModalities;
		if (profile.vision && std::find(in.begin(), in.end(), "image") == in.end())
			out.push_back("vision profile: " + role + " '" + id + "' takes no image input");
		if (entry->second.deprecationDate && *entry->second.deprecationDate <= today)
			out.push_back(role + " '" + id + "' is deprecated since " + *entry->second.deprecationDate);
	}
	return out;
}

} // namespace Profiles
} // namespace Nexus
