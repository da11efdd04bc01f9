#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Db {
class FullTextQuery;
}

namespace Memories {

/// One collected entry. Times are MySQL DATETIME text (UTC); day is YYYY-MM-DD.
struct Entry
{
	std::uint64_t id = 0;
	std::string agent; ///< the agent's slug
	std::string day;
	std::string createdAt;
	std::uint32_t bytes = 0;
	std::string content; ///< byte-exact as collected; empty where not fetched
};

/// A memory file: what one agent collected on one day.
struct DayFile
{
	std::uint64_t agentId = 0;
	std::string agent;
	std::string day;
	std::uint32_t entries = 0;
	std::uint64_t bytes = 0;
	std::string updatedAt;
};

/// A search hit: the entry (without its content), and a window of the
/// content around the first place a term occurs, for the snippet.
struct Hit
{
	Entry entry;
	std::string window;        ///< up to kWindowChars code points of the content
	bool clippedStart = false; ///< the content goes on before the window
	bool clippedEnd = false;   ///< ... and after it
	static const unsigned kWindowChars = 400;
};

/// Which days a list or a search covers. Unset parts do not filter.
struct DayRange
{
	std::optional<std::uint64_t> agentId;
	std::optional<std::string> from; ///< first day, inclusive
	std::optional<std::string> to;   ///< last day, inclusive
};

/// The SQL of /api/memories. Entries are appended, never changed; each
/// (agent, day) has a row in memory_days with its entry count, bytes and
/// last change, kept in step in the same transaction, so listing files never
/// reads the entries. Every method runs inside Database::run (throws
/// Http::Unavailable when the database is unreachable).
class MemoryStore
{
public:
	/// A search holds at most this many words (each has a slot in the SQL).
	static constexpr std::size_t kMaxSearchWords = 16;

	/// The id of the agent with this slug, or nullopt.
	static std::optional<std::uint64_t> agentId(const std::string& slug);

	/// Appends content to the agent's memory for day (the agent must exist).
	static Entry collect(std::uint64_t agentId, const std::string& agent, const std::string& day,
	                     const std::string& content);

	/// Memory files, newest day first, then by agent id, descending; after
	/// (day, agent id) when given (keyset pagination).
	static std::vector<DayFile> days(const DayRange& range, std::size_t limit,
	                                 const std::optional<std::pair<std::string, std::uint64_t>>& after);

	/// Every entry (with its content) of the agent's day, in the order
	/// collected; empty when there is none (or no such agent).
	static std::vector<Entry> day(const std::string& agent, const std::string& day);

	/// Entries holding any word of query (at most kMaxSearchWords), best
	/// first: those holding more of its words, then by full-text relevance,
	/// then newest; skipping offset hits.
	static std::vector<Hit> search(const DayRange& range, const Db::FullTextQuery& query, std::size_t limit,
	                               std::uint64_t offset);
};

} // namespace Memories
} // namespace Nexus
