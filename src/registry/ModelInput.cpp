#include "registry/ModelInput.h"

#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Validate.h"
#include "util/Time.h"

#include <Poco/JSON/Array.h>
#include <Poco/String.h>

#include <algorithm>
#include <limits>

namespace Nexus {
namespace Registry {

using Http::BadRequest;

namespace {

const char* const kPriceKeys[] = {"prompt", "completion", "cache_read", "cache_write"};

bool isPartChar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-' || c == ':';
}

bool isPart(const std::string& s)
{
	if (s.empty() || s == "." || s == "..") return false;
	return std::all_of(s.begin(), s.end(), isPartChar);
}

/// A JSON integer as Poco's parser gives it (Int64 or UInt64; never a
/// double or a bool, which Poco would also call integers).
std::optional<long double> integerOf(const Poco::Dynamic::Var& v)
{
	if (v.type() == typeid(Poco::Int64)) return static_cast<long double>(v.extract<Poco::Int64>());
	if (v.type() == typeid(Poco::UInt64)) return static_cast<long double>(v.extract<Poco::UInt64>());
	return std::nullopt;
}

/// Any JSON number.
std::optional<long double> numberOf(const Poco::Dynamic::Var& v)
{
	if (auto i = integerOf(v)) return i;
	if (v.type() == typeid(double)) return static_cast<long double>(v.extract<double>());
	return std::nullopt;
}

/// An optional positive integer that fits the column (INT UNSIGNED).
std::optional<std::uint32_t> positiveInteger(const Poco::JSON::Object::Ptr& body, const Http::Fields& fields,
                                             const std::string& name)
{
	if (!fields.has(name)) return std::nullopt;
	const auto value = integerOf(body->get(name));
	const auto max = std::numeric_limits<std::uint32_t>::max();
	if (!value || *value < 1 || *value > max)
		throw BadRequest("field '" + name + "' must be a whole number from 1 to " + std::to_string(max) + ", or null");
	return static_cast<std::uint32_t>(*value);
}

std::vector<std::string> modalitiesOf(const Http::Fields& fields, const std::string& name)
{
	auto words = fields.optionalStringArray(name, 16, 16);
	if (!words) return {"text"};
	if (words->empty()) throw BadRequest("field '" + name + "' must hold at least one modality");
	for (const auto& word : *words)
		if (!ModelInput::isModality(word))
			throw BadRequest("field '" + name + "': '" + word + "' is not a modality; use " +
			                 ModelInput::modalityList());
	return *words;
}

/// The pricing object as stored: only the known keys, in a fixed order.
std::string pricingOf(const Http::Fields& fields)
{
	const auto pricing = fields.optionalObject("pricing");
	if (!pricing) return "{}";
	for (const auto& entry : *pricing)
		if (std::find(std::begin(kPriceKeys), std::end(kPriceKeys), entry.first) == std::end(kPriceKeys))
			throw BadRequest("field 'pricing' has an unknown key '" + entry.first +
			                 "'; allowed: prompt, completion, cache_read, cache_write");
	auto stored = Http::Json::object();
	for (const char* key : kPriceKeys)
	{
		if (!pricing->has(key)) continue;
		const Poco::Dynamic::Var value = pricing->get(key);
		const auto n = numberOf(value);
		if (!n || *n < 0)
			throw BadRequest(std::string("field 'pricing' key '") + key +
			                 "' must be a number of at least 0 (USD per million tokens)");
		if (*n == 0)
			stored->set(key, 0); // also for -0
		else
			stored->set(key, value);
	}
	return Http::Json::stringify(*stored);
}

std::string parametersOf(const Http::Fields& fields)
{
	const auto names =
	    fields.optionalStringArray("supported_parameters", ModelInput::kMaxParameters, ModelInput::kMaxParameterChars);
	Poco::JSON::Array array;
	for (const auto& name : names.value_or(std::vector<std::string>()))
	{
		if (!ModelInput::isParameterName(name))
			throw BadRequest("field 'supported_parameters': '" + name +
			                 "' must be lower-case letters, digits and '_' (e.g. max_tokens)");
		array.add(name);
	}
	return Http::Json::stringify(array);
}

} // namespace

const std::vector<std::string>& ModelInput::modalities()
{
	static const std::vector<std::string> words = {"text", "image", "audio", "video", "file"};
	return words;
}

std::string ModelInput::modalityList()
{
	return Poco::cat(std::string(", "), modalities().begin(), modalities().end());
}

bool ModelInput::isSlug(const std::string& s)
{
	return s.size() <= kMaxSlugChars && isPart(s);
}

bool ModelInput::isModality(const std::string& s)
{
	return std::find(modalities().begin(), modalities().end(), s) != modalities().end();
}

bool ModelInput::isParameterName(const std::string& s)
{
	if (s.empty() || s.size() > kMaxParameterChars) return false;
	return std::all_of(s.begin(), s.end(),
	                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

std::string ModelInput::providerOf(const std::string& modelId)
{
	return modelId.substr(0, modelId.find('/'));
}

ModelEntry ModelInput::parse(const Poco::JSON::Object::Ptr& body)
{
	const Http::Fields fields(body,
	                          {"id", "slug", "model_id", "provider", "name", "context_length", "max_output_tokens",
	                           "input_modalities", "output_modalities", "pricing", "supported_parameters",
	                           "deprecation_date", "metadata", "created_at", "updated_at"});
	ModelEntry m;

	m.modelId = fields.string("model_id", 1, Http::Validate::kMaxModelIdLength);
	if (!Http::Validate::modelId(m.modelId))
		throw BadRequest("field 'model_id' must be provider/model: two or more parts separated by '/', each of "
		                 "letters, digits, '.', '_', '-' and ':' (e.g. openai/gpt-4o)");
	const std::string provider = providerOf(m.modelId);
	if (provider.size() > kMaxProviderChars)
		throw BadRequest("field 'model_id': its provider part (before the first '/') must be at most " +
		                 std::to_string(kMaxProviderChars) + " characters");

	m.slug = fields.string("slug", 1, kMaxSlugChars);
	if (!isSlug(m.slug))
		throw BadRequest("field 'slug' must be a family name of letters, digits, '.', '_', '-' and ':' (no '/'), "
		                 "e.g. gpt-4o");

	m.provider = fields.optionalString("provider", kMaxProviderChars).value_or(provider);
	if (m.provider != provider)
		throw BadRequest("field 'provider' is '" + m.provider + "' but field 'model_id' names provider '" + provider +
		                 "'; leave 'provider' out or make them equal");

	m.name = fields.optionalString("name", kMaxNameChars).value_or(m.modelId);
	if (m.name.empty()) throw BadRequest("field 'name' must not be empty (leave it out to use the model id)");
	for (unsigned char c : m.name)
		if (c < 0x20 || c == 0x7F) throw BadRequest("field 'name' must not contain control characters");

	m.contextLength = positiveInteger(body, fields, "context_length");
	m.maxOutputTokens = positiveInteger(body, fields, "max_output_tokens");
	m.inputModalities = modalitiesOf(fields, "input_modalities");
	m.outputModalities = modalitiesOf(fields, "output_modalities");
	m.pricingJson = pricingOf(fields);
	m.supportedParametersJson = parametersOf(fields);

	m.deprecationDate = fields.optionalString("deprecation_date", 10);
	if (m.deprecationDate && !Time::isDate(*m.deprecationDate))
		throw BadRequest("field 'deprecation_date' must be a real calendar date YYYY-MM-DD, or null");

	if (const auto metadata = fields.optionalObject("metadata"))
	{
		m.metadataJson = Http::Json::stringify(*metadata);
		if (m.metadataJson.size() > kMaxMetadataBytes)
			throw BadRequest("field 'metadata' must be at most " + std::to_string(kMaxMetadataBytes) +
			                 " bytes as JSON");
	}
	return m;
}

} // namespace Registry
} // namespace Nexus
