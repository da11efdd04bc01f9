#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/Timestamp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace Nexus {
namespace Admin {

/// The SQL of GET /admin/status: facts about the database and counts over
/// the other resources' tables. Every call runs in Database::run (retried,
/// and throwing ServiceUnavailable when the database is gone).
class StatusStore
{
public:
	/// The server's version string (SELECT VERSION()).
	static std::string serverVersion();

	struct AgentCounts
	{
		std::uint64_t online = 0;    ///< heartbeat at or after the cutoff
		std::uint64_t neverSeen = 0; ///< no heartbeat yet
		std::uint64_t total = 0;

		/// Agents that sent a heartbeat once but none since the cutoff. The
		/// three words (online, offline, never seen) are the UI's and the
		/// API's everywhere, and the three counts add up to total.
		std::uint64_t offline() const { return total - online - neverSeen; }
	};
	/// How many agents there are, how many sent a heartbeat since
	/// onlineSince, and how many never sent one.
	static AgentCounts agents(const Poco::Timestamp& onlineSince);

	/// The row count of each table /admin/status shows, by the name it
	/// shows ("profiles", "knowledge_entities", ...), in display order.
	static std::vector<std::pair<std::string, std::uint64_t>> tableCounts();

	struct AuditHead
	{
		std::optional<std::uint64_t> seq; ///< nullopt: nothing sealed yet
		std::optional<std::string> hash;
		std::uint64_t unsealed = 0; ///< rows not yet chained
	};
	/// The sealed head of the audit chain and the number of unsealed rows.
	static AuditHead auditHead();

	/// The schema version the installed migrations bring (NEXUS_SQL_DIR, else
	/// /usr/share/nexus/sql), as JSON: an int, or null when they cannot be
	/// read. Reads files only, never the database.
	static Poco::Dynamic::Var expectedSchemaVersion();
};

} // namespace Admin
} // namespace Nexus
