#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace Nexus {
namespace Http {
class Request;
}
namespace Memories {

/// What POST /api/memories/collect brings, checked.
struct Collected
{
	std::string agent;
	std::string content;
	std::optional<std::string> date; ///< YYYY-MM-DD; nullopt: today
};

/// The days a list or a search covers (?date=, or ?from= .. ?to=).
struct Days
{
	std::optional<std::string> from; ///< inclusive
	std::optional<std::string> to;   ///< inclusive
};

/// The input of /api/memories, read and checked (no database): the collect
/// body, the day parameters and the list cursor. Every failure is an
/// HttpError whose message names the field or parameter.
class MemoryInput
{
public:
	/// lower-case letters, digits and '-', ... (how messages describe a slug).
	static const char* const kSlugRule;

	/// The message for a field or parameter (what: "field 'date'") that is
	/// not a real calendar date.
	static std::string invalidDay(const std::string& what);

	/// The collect body {"agent", "content", "date"}: agent a slug, content a
	/// non-empty string of at most maxEntryBytes bytes (memories.max_entry_bytes),
	/// date an optional day. Throws UnsupportedMediaType, BadRequest,
	/// PayloadTooLarge (content).
	static Collected collect(const Http::Request& request, std::size_t maxEntryBytes);

	/// ?from=, ?to= and ?date= (an empty value is absent; date excludes the
	/// other two, from must not be after to). Throws BadRequest.
	static Days days(const Http::Request& request);

	/// The (day, agent id) of a list cursor "YYYY-MM-DD/ID" (?after=);
	/// nullopt for "". Throws BadRequest for anything else.
	static std::optional<std::pair<std::string, std::uint64_t>> cursor(const std::string& after);
};

} // namespace Memories
} // namespace Nexus
