#pragma once

#include "agents/AgentStore.h"

#include <cstddef>
#include <string>

namespace Nexus {
namespace Http {
class Request;
}
namespace Agents {

/// A registration's fields, checked (POST /api/agents/register).
struct Registration
{
	std::string slug;
	std::string name;
	std::string scope;
};

/// The request bodies of /api/agents, read and checked (no database): what
/// the handlers store. Every failure is an HttpError whose message names the
/// field.
class AgentInput
{
public:
	static constexpr std::size_t kMaxNameChars = 200;
	static constexpr std::size_t kMaxScopeChars = 64;
	static constexpr std::size_t kMaxHeartbeatField = 64;

	/// {"slug", "name", "scope"}, all required. Throws UnsupportedMediaType,
	/// BadRequest.
	static Registration registration(const Http::Request& request);

	/// A heartbeat's optional {"status", "version", "meta"} (an empty body is
	/// none); maxBytes is agents.max_heartbeat_bytes. Throws
	/// PayloadTooLarge, UnsupportedMediaType, BadRequest.
	static HeartbeatReport heartbeat(const Http::Request& request, std::size_t maxBytes);
};

} // namespace Agents
} // namespace Nexus
