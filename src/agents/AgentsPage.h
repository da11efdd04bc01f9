#pragma once

#include "agents/AgentStore.h"
#include "auth/Principal.h"
#include "http/Response.h"

#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}

namespace Agents {

/// One agent as the agents page shows it: the row, whether it is online
/// (the JSON's "status"), the profile it runs and, for an admin only, its
/// active tokens (hashes, never tokens).
struct AgentRow
{
	Agent agent;
	bool online = false;
	std::optional<std::string> profile; ///< its assignment's profile name
	std::vector<TokenInfo> tokens;      ///< empty for a viewer
};

/// What the page says around the rows.
struct AgentsPageFacts
{
	int offlineAfterS = 0;      ///< agents.offline_after_s
	std::string defaultProfile; ///< profiles.default ("" when unset)
	std::string nextUrl;        ///< the next page ("" on the last one)
};

/// The HTML form of GET /api/agents, for a browser: one page of agents with
/// their profile, last heartbeat and online badge and, for an admin, the
/// register form and per agent the forms to issue or rotate a token (shown
/// once, so the page is never stored) and to revoke one.
Http::Response agentsPage(const Http::Request& request, const Auth::Principal& principal,
                          const std::vector<AgentRow>& rows, const AgentsPageFacts& facts);

} // namespace Agents
} // namespace Nexus
