#pragma once

#include "auth/Principal.h"
#include "http/Pagination.h"
#include "http/Response.h"
#include "memories/MemoryStore.h"

#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Db {
class FullTextQuery;
}
namespace Http {
class Request;
}

namespace Memories {

/// The memories pages of the web UI, for a browser (Http::Html::wanted):
/// the HTML forms of the list, a day's download and the search. They are
/// for admins (the routes' rules keep viewers out); the day and the search
/// show contents, so they are private pages (no-store). Every value is
/// escaped.

/// GET /api/memories/list: a filter form (agent, from, to, refilled from
/// the request), one page of memory files (agent, day, entries, bytes, last
/// change, a link to the day's page and to its markdown) and the pager.
/// rows: what the store fetched for page (limit + 1 rows when more exist).
Http::Response listPage(const Http::Request& request, const Auth::Principal& principal, std::vector<DayFile> rows,
                        const Http::Page& page);

/// GET /api/memories/download/:slug/:date without ?format=: the day's
/// entries in the order collected (time, size, the content verbatim in a
/// <pre>), with links to the same day as markdown and as JSON. entries is
/// not empty.
Http::Response dayPage(const Http::Request& request, const Auth::Principal& principal, const std::string& agent,
                       const std::string& day, const std::vector<Entry>& entries);

/// GET /api/memories/search: the search form (query, agent, from, to) and,
/// when query is given, one page of hits best first, each with its snippet
/// (the words of query marked) and a link to its entry on the day's page.
/// hits: what the store fetched for page (limit + 1 when more exist);
/// nextCursor: the cursor of the page after this one.
Http::Response searchPage(const Http::Request& request, const Auth::Principal& principal,
                          const std::optional<Db::FullTextQuery>& query, std::vector<Hit> hits, const Http::Page& page,
                          const std::string& nextCursor);

/// text as HTML for a search hit: escaped, with every place where one of
/// words (lower case, as Db::FullTextQuery gives them) occurs, ignoring
/// ASCII case, in <mark> (the longest word where several start at once).
std::string markedHtml(const std::string& text, const std::vector<std::string>& words);

} // namespace Memories
} // namespace Nexus
