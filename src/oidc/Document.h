#pragma once

#include <Poco/JSON/Object.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Oidc {

/// A JSON object the provider sent (a discovery document, a key set, a
/// token response), with typed access to its members. Every failure is a
/// BadResponse naming the document and the member; the text itself is
/// never quoted, as it may hold tokens.
class Document
{
public:
	/// Nesting deeper than this is refused: no provider document needs it.
	static constexpr std::size_t kMaxDepth = 16;

	/// Parses text, which must be one JSON object; what names it in errors
	/// ("the discovery document").
	static Document parse(const std::string& text, const std::string& what);

	Document(Poco::JSON::Object::Ptr object, std::string what);

	bool has(const std::string& name) const;

	/// A string member that must be present and non-empty.
	std::string string(const std::string& name) const;

	/// A string member; std::nullopt when absent or null. Throws when present
	/// with another type.
	std::optional<std::string> optionalString(const std::string& name) const;

	/// An array of strings; std::nullopt when absent or null. Throws when
	/// present with another type or holding a non-string.
	std::optional<std::vector<std::string>> optionalStringArray(const std::string& name) const;

	/// An integer member (a JSON number without a fraction); std::nullopt
	/// when absent or null.
	std::optional<long long> optionalInteger(const std::string& name) const;

	/// An array member whose elements are JSON objects; throws when absent.
	std::vector<Document> objectArray(const std::string& name) const;

	const Poco::JSON::Object& object() const { return *_object; }
	const std::string& what() const { return _what; }

private:
	Poco::JSON::Object::Ptr _object;
	std::string _what;
};

} // namespace Oidc
} // namespace Nexus
