#pragma once

#include <Poco/JSON/Object.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace Nexus {
namespace Knowledge {

/// A link from an entity to a web page, a dashboard, a repository...
struct Link
{
	std::string url;
	std::string title; ///< "" when none
};

/// What the knowledge base knows about one thing: a server, a domain, a
/// piece of infrastructure, a project or an agent. (kind, name) is the
/// entity's identity. Times are MySQL DATETIME text (UTC).
struct Entity
{
	std::string kind;
	std::string name;
	std::string title;
	std::string content;           ///< markdown, byte-exact
	std::string spec = "{}";       ///< a JSON object, compact text
	std::vector<std::string> tags; ///< lower-case words, in the order given, no duplicates
	std::vector<Link> links;
	std::uint32_t version = 0; ///< 1 when created, +1 for every change
	std::string createdAt;
	std::string updatedAt;

	/// The JSON form the API returns: kind, name, title, content, spec,
	/// tags, links, version, created_at, updated_at.
	Poco::JSON::Object::Ptr toJson() const;

	/// links as the JSON text stored (an array of {url, title?}).
	std::string linksJson() const;
	/// The text search reads besides title and content: the name, the tags,
	/// the links (titles and URLs) and every value (not key) of spec.
	std::string searchText() const;
	/// True when title, content, spec, tags and links are the same (a put
	/// that changes nothing).
	bool sameContent(const Entity& other) const;
};

/// Limits on what an entity may hold (the ones not fixed by the schema).
struct Limits
{
	std::size_t maxContentBytes = 262144; ///< knowledge.max_content_bytes
};

/// An entity that cannot be stored. path names the offending field of the
/// flat JSON form ({"links", "1", "url"}); detail says what is wrong in
/// words that follow the field's name ("must be a string"). tooLarge marks
/// a size limit (the API answers 413 rather than 400).
class InvalidEntity : public std::runtime_error
{
public:
	InvalidEntity(std::vector<std::string> path, const std::string& detail, bool tooLarge = false);

	const std::vector<std::string>& path() const { return _path; }
	const std::string& detail() const { return _detail; }
	bool tooLarge() const { return _tooLarge; }
	/// The path as "links[1].url".
	std::string field() const;
	/// Any field path so written: {"metadata", "links", "1", "url"} as
	/// "metadata.links[1].url" (a part of digits only is an index).
	static std::string dotted(const std::vector<std::string>& path);

private:
	std::vector<std::string> _path;
	std::string _detail;
	bool _tooLarge;
};

/// The kinds of entity, their names and the shape of names.
class Kinds
{
public:
	static constexpr std::size_t kMaxNameChars = 128;
	static constexpr std::size_t kMaxTitleChars = 200;
	static constexpr std::size_t kMaxTags = 32;
	static constexpr std::size_t kMaxTagChars = 64;
	static constexpr std::size_t kMaxLinks = 32;
	static constexpr std::size_t kMaxUrlChars = 2000;
	static constexpr std::size_t kMaxSpecBytes = 65536;

	/// server, domain, infrastructure, project, agent (in that order).
	static const std::vector<std::string>& all();
	/// "server, domain, infrastructure, project, agent"
	static std::string list();
	static bool isKind(const std::string& kind);
	/// Letters, digits, '.', '_' and '-', starting with a letter or digit,
	/// at most kMaxNameChars (so never "." or "..").
	static bool isName(const std::string& name);
	/// Lower-case letters, digits and '.', '_', '-', ':', '+', '#', starting
	/// with a letter or digit, at most kMaxTagChars.
	static bool isTag(const std::string& tag);
};

/// The identity a PUT's path gives an entity.
struct Key
{
	std::string kind;
	std::string name;
};

/// Validates the flat JSON form of an entity (what the API returns and a
/// JSON PUT sends): kind, name, title, content, spec, tags, links; version,
/// created_at and updated_at are accepted and ignored (they are the
/// server's). With path, a kind or name in the object must equal the path's
/// and may be left out; without, both are required. A missing or empty
/// title becomes the name. Throws InvalidEntity.
Entity entityFromJson(const Poco::JSON::Object& object, const Limits& limits, const std::optional<Key>& path);

} // namespace Knowledge
} // namespace Nexus
