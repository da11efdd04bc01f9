#include "knowledge/Entity.h"

#include "http/Json.h"
#include "http/Validate.h"
#include "util/Time.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace Nexus {
namespace Knowledge {

namespace {

const std::set<std::string> kFields = {"kind", "name",  "title",   "content",    "spec",
                                       "tags", "links", "version", "created_at", "updated_at"};

/// The link schemes an entity may point to; nothing a browser would run.
const std::set<std::string> kUrlSchemes = {"http", "https", "mailto", "ssh"};

bool hasControl(const std::string& s)
{
	return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7F; });
}

/// The string at path (absent or null: nullopt), valid UTF-8 of at most
/// maxChars code points, without control characters unless multiLine
/// (which still refuses NUL).
std::optional<std::string> stringAt(const Poco::Dynamic::Var& value, const std::vector<std::string>& path,
                                    std::size_t maxChars, bool multiLine)
{
	if (value.isEmpty()) return std::nullopt;
	if (!value.isString()) throw InvalidEntity(path, "must be a string");
	std::string s = value.extract<std::string>();
	const auto length = Http::Json::utf8Length(s);
	if (!length) throw InvalidEntity(path, "is not valid UTF-8");
	if (*length > maxChars) throw InvalidEntity(path, "must be at most " + std::to_string(maxChars) + " characters");
	if (s.find('\0') != std::string::npos) throw InvalidEntity(path, "must not contain NUL characters");
	if (!multiLine && hasControl(s)) throw InvalidEntity(path, "must not contain control characters");
	return s;
}

Poco::Dynamic::Var member(const Poco::JSON::Object& object, const std::string& name)
{
	return object.has(name) ? object.get(name) : Poco::Dynamic::Var();
}

bool validUrl(const std::string& url)
{
	const auto colon = url.find(':');
	if (colon == std::string::npos || colon == 0) return false;
	std::string scheme = url.substr(0, colon);
	std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
	if (!kUrlSchemes.count(scheme)) return false;
	if (url.size() == colon + 1) return false;
	for (unsigned char c : url)
		if (c <= 0x20 || c == 0x7F) return false;
	if (scheme == "http" || scheme == "https") return url.compare(colon, 3, "://") == 0 && url.size() > colon + 3;
	return true;
}

std::vector<std::string> readTags(const Poco::Dynamic::Var& value)
{
	std::vector<std::string> tags;
	if (value.isEmpty()) return tags;
	if (value.type() != typeid(Poco::JSON::Array::Ptr)) throw InvalidEntity({"tags"}, "must be a list of strings");
	const auto& array = value.extract<Poco::JSON::Array::Ptr>();
	if (array->size() > Kinds::kMaxTags)
		throw InvalidEntity({"tags"}, "may hold at most " + std::to_string(Kinds::kMaxTags) + " tags", true);
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const std::vector<std::string> path = {"tags", std::to_string(i)};
		auto tag = stringAt(array->get(static_cast<unsigned>(i)), path, Kinds::kMaxTagChars, false);
		if (!tag) throw InvalidEntity(path, "must be a string");
		std::transform(tag->begin(), tag->end(), tag->begin(),
		               [](unsigned char c) { return c < 0x80 ? static_cast<char>(std::tolower(c)) : c; });
		if (!Kinds::isTag(*tag))
			throw InvalidEntity(path, "must be letters, digits, '.', '_', '-', ':', '+' or '#', starting with a "
			                          "letter or digit, at most " +
			                              std::to_string(Kinds::kMaxTagChars) + " characters");
		if (std::find(tags.begin(), tags.end(), *tag) == tags.end()) tags.push_back(*tag);
	}
	return tags;
}

std::vector<Link> readLinks(const Poco::Dynamic::Var& value)
{
	std::vector<Link> links;
	if (value.isEmpty()) return links;
	if (value.type() != typeid(Poco::JSON::Array::Ptr))
		throw InvalidEntity({"links"}, "must be a list of {url, title} objects");
	const auto& array = value.extract<Poco::JSON::Array::Ptr>();
	if (array->size() > Kinds::kMaxLinks)
		throw InvalidEntity({"links"}, "may hold at most " + std::to_string(Kinds::kMaxLinks) + " links", true);
	for (std::size_t i = 0; i < array->size(); ++i)
	{
		const std::string index = std::to_string(i);
		const Poco::Dynamic::Var item = array->get(static_cast<unsigned>(i));
		if (item.type() != typeid(Poco::JSON::Object::Ptr))
			throw InvalidEntity({"links", index}, "must be an object with url and, optionally, title");
		const auto& object = item.extract<Poco::JSON::Object::Ptr>();
		for (const auto& entry : *object)
			if (entry.first != "url" && entry.first != "title")
				throw InvalidEntity({"links", index, entry.first}, "is not a field of a link (url, title)");
		Link link;
		auto url = stringAt(member(*object, "url"), {"links", index, "url"}, Kinds::kMaxUrlChars, false);
		if (!url) throw InvalidEntity({"links", index, "url"}, "is required");
		if (!validUrl(*url))
			throw InvalidEntity({"links", index, "url"},
			                    "must be an http://, https://, mailto: or ssh: URL without spaces");
		link.url = *url;
		link.title =
		    stringAt(member(*object, "title"), {"links", index, "title"}, Kinds::kMaxTitleChars, false).value_or("");
		links.push_back(std::move(link));
	}
	return links;
}

/// Appends every value (not key) of a JSON value to out, one per line.
void collectValues(const Poco::Dynamic::Var& value, std::string& out)
{
	if (value.type() == typeid(Poco::JSON::Object::Ptr))
	{
		for (const auto& entry : *value.extract<Poco::JSON::Object::Ptr>()) collectValues(entry.second, out);
	}
	else if (value.type() == typeid(Poco::JSON::Array::Ptr))
	{
		for (const auto& item : *value.extract<Poco::JSON::Array::Ptr>()) collectValues(item, out);
	}
	else if (value.isString() || value.isNumeric())
		out += "\n" + value.convert<std::string>();
}

} // namespace

std::string InvalidEntity::dotted(const std::vector<std::string>& path)
{
	std::string s;
	for (const auto& part : path)
	{
		if (!part.empty() && std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c); }))
			s += "[" + part + "]";
		else
			s += (s.empty() ? "" : ".") + part;
	}
	return s;
}

InvalidEntity::InvalidEntity(std::vector<std::string> path, const std::string& detail, bool tooLarge):
    std::runtime_error("field '" + dotted(path) + "' " + detail), _path(std::move(path)), _detail(detail),
    _tooLarge(tooLarge)
{}

std::string InvalidEntity::field() const
{
	return dotted(_path);
}

const std::vector<std::string>& Kinds::all()
{
	static const std::vector<std::string> kinds = {"server", "domain", "infrastructure", "project", "agent"};
	return kinds;
}

std::string Kinds::list()
{
	return Poco::cat(std::string(", "), all().begin(), all().end());
}

bool Kinds::isKind(const std::string& kind)
{
	const auto& kinds = all();
	return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

bool Kinds::isName(const std::string& name)
{
	return Http::Validate::word(name, kMaxNameChars);
}

bool Kinds::isTag(const std::string& tag)
{
	if (tag.empty() || tag.size() > kMaxTagChars) return false;
	const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
	if (!alnum(tag[0])) return false;
	for (char c : tag)
		if (!alnum(c) && c != '.' && c != '_' && c != '-' && c != ':' && c != '+' && c != '#') return false;
	return true;
}

Poco::JSON::Object::Ptr Entity::toJson() const
{
	auto o = Http::Json::object();
	o->set("kind", kind);
	o->set("name", name);
	o->set("title", title);
	o->set("content", content);
	o->set("spec", Http::Json::parseStored(spec));
	o->set("tags", Http::Json::array(tags));
	o->set("links", Http::Json::parseStored(linksJson()));
	o->set("version", version);
	o->set("created_at", Time::sqlToRfc3339(createdAt));
	o->set("updated_at", Time::sqlToRfc3339(updatedAt));
	return o;
}

std::string Entity::linksJson() const
{
	Poco::JSON::Array array;
	for (const auto& link : links)
	{
		auto o = Http::Json::object();
		o->set("url", link.url);
		if (!link.title.empty()) o->set("title", link.title);
		array.add(o);
	}
	return Http::Json::stringify(array);
}

std::string Entity::searchText() const
{
	std::string text = name;
	for (const auto& tag : tags) text += "\n" + tag;
	for (const auto& link : links) text += "\n" + link.title + "\n" + link.url;
	collectValues(Http::Json::parseStored(spec), text);
	return text;
}

bool Entity::sameContent(const Entity& other) const
{
	return title == other.title && content == other.content && spec == other.spec && tags == other.tags &&
	       linksJson() == other.linksJson();
}

Entity entityFromJson(const Poco::JSON::Object& object, const Limits& limits, const std::optional<Key>& path)
{
	for (const auto& entry : object)
		if (!kFields.count(entry.first))
			throw InvalidEntity({entry.first}, "is not a field of a knowledge entity (kind, name, title, content, "
			                                   "spec, tags, links)");
	Entity e;

	auto kind = stringAt(member(object, "kind"), {"kind"}, 64, false);
	if (kind && !Kinds::isKind(*kind)) throw InvalidEntity({"kind"}, "must be one of " + Kinds::list());
	auto name = stringAt(member(object, "name"), {"name"}, Kinds::kMaxNameChars, false);
	if (name && !Kinds::isName(*name))
		throw InvalidEntity({"name"}, "must be letters, digits, '.', '_' and '-', starting with a letter or digit, "
		                              "at most " +
		                                  std::to_string(Kinds::kMaxNameChars) + " characters");
	if (path)
	{
		if (kind && *kind != path->kind)
			throw InvalidEntity({"kind"}, "is '" + *kind + "' but the path names kind '" + path->kind + "'");
		if (name && *name != path->name)
			throw InvalidEntity({"name"}, "is '" + *name + "' but the path names '" + path->name + "'");
		e.kind = path->kind;
		e.name = path->name;
	}
	else
	{
		if (!kind) throw InvalidEntity({"kind"}, "is required (one of " + Kinds::list() + ")");
		if (!name) throw InvalidEntity({"name"}, "is required");
		e.kind = *kind;
		e.name = *name;
	}

	e.title = stringAt(member(object, "title"), {"title"}, Kinds::kMaxTitleChars, false).value_or("");
	if (e.title.empty()) e.title = e.name;

	e.content = stringAt(member(object, "content"), {"content"}, std::string::npos, true).value_or("");
	if (e.content.size() > limits.maxContentBytes)
		throw InvalidEntity({"content"}, "may be at most " + std::to_string(limits.maxContentBytes) + " bytes", true);

	const Poco::Dynamic::Var spec = member(object, "spec");
	if (!spec.isEmpty())
	{
		if (spec.type() != typeid(Poco::JSON::Object::Ptr))
			throw InvalidEntity({"spec"}, "must be an object (a mapping of keys to values)");
		e.spec = Http::Json::stringify(*spec.extract<Poco::JSON::Object::Ptr>());
		if (e.spec.size() > Kinds::kMaxSpecBytes)
			throw InvalidEntity({"spec"}, "may be at most " + std::to_string(Kinds::kMaxSpecBytes) + " bytes as JSON",
			                    true);
	}

	e.tags = readTags(member(object, "tags"));
	e.links = readLinks(member(object, "links"));
	return e;
}

} // namespace Knowledge
} // namespace Nexus
