#pragma once

#include "auth/Principal.h"
#include "http/Response.h"
#include "memories/MemoryStore.h"

#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}

namespace Memories {

/// The HTML form of GET /api/memories/list, for a browser: a filter form
/// (agent, from, to, refilled from the request), one page of memory files
/// (agent, day, entries, bytes, last change and download links; never a
/// content) and a link to nextUrl when there is a next page.
Http::Response memoriesPage(const Http::Request& request, const Auth::Principal& principal,
                            const std::vector<DayFile>& rows, const std::optional<std::string>& nextUrl);

} // namespace Memories
} // namespace Nexus
