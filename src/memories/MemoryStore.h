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

	/// How many entries DayReader reads per query.
	static constexpr std::size_t kDayChunk = 100;

	/// Entries holding any word of query (at most kMaxSearchWords), best
	/// first: those holding more of its words, then by full-text relevance,
	/// then newest; skipping offset hits.
	static std::vector<Hit> search(const DayRange& range, const Db::FullTextQuery& query, std::size_t limit,
	                               std::uint64_t offset);
};

/// One agent's day read in chunks of MemoryStore::kDayChunk entries, in the
/// order collected (keyset on the entry id along memory_entries_day, one
/// statement shape for every chunk), for a download that streams the day
/// instead of holding it.
///
/// All chunks come from one read-only REPEATABLE READ transaction on the
/// thread's connection, begun by first() and ended by the destructor: every
/// chunk sees the day as it was at the first read, so entries collected
/// meanwhile (even one whose id is below the last one read: ids are taken
/// at INSERT, rows become visible at COMMIT, not in id order) and a deletion
/// of the agent (ON DELETE CASCADE) do not show up half-way. A bound on the
/// largest id seen at the start would not be enough for either. The price:
/// the thread's connection (its own anyway) holds a read view, which delays
/// InnoDB's purge, for as long as the download runs.
///
/// Use it on one thread only, the one whose connection it uses.
class DayReader
{
public:
	DayReader(std::uint64_t agentId, std::string agent, std::string day);
	DayReader(const DayReader&) = delete;
	DayReader& operator=(const DayReader&) = delete;
	/// Ends the transaction (if one is open); errors are ignored.
	~DayReader();

	/// Begins the transaction and reads the first chunk, inside
	/// Database::run (retried after a lost connection, Http::Unavailable
	/// when the database stays unreachable). Empty when the day has no entry.
	std::vector<Entry> first();

	/// The chunk after the last one read; empty once the day is done. Not
	/// retried: a lost connection would lose the snapshot, so any
	/// sql::SQLException propagates (the connection is then discarded).
	std::vector<Entry> next();

private:
	std::vector<Entry> read();

	std::uint64_t _agentId;
	std::string _agent;
	std::string _day;
	std::uint64_t _after = 0;
	bool _done = false;
	bool _open = false;
};

} // namespace Memories
} // namespace Nexus
