#include "oidc/Document.h"

#include "oidc/Error.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <utility>

namespace Nexus {
namespace Oidc {

Document Document::parse(const std::string& text, const std::string& what)
{
	Poco::Dynamic::Var value;
	try
	{
		Poco::JSON::Parser parser;
		parser.setDepth(kMaxDepth);
		value = parser.parse(text);
	}
	catch (const Poco::Exception&)
	{
		// Poco's message may quote the text: say only that it is malformed.
		throw BadResponse(what + " is not valid JSON");
	}
	if (value.type() != typeid(Poco::JSON::Object::Ptr)) throw BadResponse(what + " is not a JSON object");
	return Document(value.extract<Poco::JSON::Object::Ptr>(), what);
}

Document::Document(Poco::JSON::Object::Ptr object, std::string what): _object(std::move(object)), _what(std::move(what))
{}

bool Document::has(const std::string& name) const
{
	return _object->has(name) && !_object->isNull(name);
}

std::string Document::string(const std::string& name) const
{
	const std::optional<std::string> value = optionalString(name);
	if (!value || value->empty()) throw BadResponse(_what + " lacks \"" + name + "\"");
	return *value;
}

std::optional<std::string> Document::optionalString(const std::string& name) const
{
	if (!has(name)) return std::nullopt;
	const Poco::Dynamic::Var value = _object->get(name);
	if (!value.isString()) throw BadResponse(_what + ": \"" + name + "\" is not a string");
	return value.extract<std::string>();
}

std::optional<std::vector<std::string>> Document::optionalStringArray(const std::string& name) const
{
	if (!has(name)) return std::nullopt;
	const Poco::JSON::Array::Ptr array = _object->isArray(name) ? _object->getArray(name) : nullptr;
	if (!array) throw BadResponse(_what + ": \"" + name + "\" is not an array");
	std::vector<std::string> items;
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
		if (!item.isString()) throw BadResponse(_what + ": \"" + name + "\" holds a non-string");
		items.push_back(item.extract<std::string>());
	}
	return items;
}

std::optional<long long> Document::optionalInteger(const std::string& name) const
{
	if (!has(name)) return std::nullopt;
	const Poco::Dynamic::Var value = _object->get(name);
	if (!value.isInteger()) throw BadResponse(_what + ": \"" + name + "\" is not an integer");
	try
	{
		return value.convert<Poco::Int64>();
	}
	catch (const Poco::Exception&) // an unsigned value above the signed range
	{
		throw BadResponse(_what + ": \"" + name + "\" is out of range");
	}
}

std::vector<Document> Document::objectArray(const std::string& name) const
{
	const Poco::JSON::Array::Ptr array = has(name) && _object->isArray(name) ? _object->getArray(name) : nullptr;
	if (!array) throw BadResponse(_what + " lacks the array \"" + name + "\"");
	std::vector<Document> items;
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const std::string itemName = _what + "'s " + name + "[" + std::to_string(i) + "]";
		const Poco::JSON::Object::Ptr item = array->getObject(static_cast<unsigned>(i));
		if (!item) throw BadResponse(itemName + " is not a JSON object");
		items.emplace_back(item, itemName);
	}
	return items;
}

} // namespace Oidc
} // namespace Nexus
