#pragma once

#include "admin/StatusStore.h"
#include "audit/Chain.h"
#include "audit/Verifier.h"
#include "auth/Principal.h"
#include "http/Pagination.h"
#include "http/Response.h"

#include <optional>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}

namespace Admin {

/// The HTML form of GET /admin/audit-log, for a browser (admins only, by
/// the route's rule): the state of the hash chain, the filters the JSON
/// route takes (actor, action, target, since, until, kept from the
/// request), one page of entries, newest first (time, principal, action,
/// target, an outcome badge, client, request id, seq; denied and error rows
/// stand out) and the pager.
///
/// The chain: head (the sealed head and how many rows wait for the sealer)
/// is cheap and always shown, and each sealed row of the page is checked
/// against its own hash. verified, when given, is a walk of the whole log
/// (Verifier::verifyDatabase, which reads every row: the page runs it only
/// when asked, with ?verify=1, and otherwise offers a button for it).
/// rows: what the store fetched for page (limit + 1 when more exist); key:
/// the audit log's key (nullptr: unkeyed), with which rows are checked.
Http::Response auditPage(const Http::Request& request, const Auth::Principal& principal, std::vector<Audit::Entry> rows,
                         const Http::Page& page, const StatusStore::AuditHead& head,
                         const std::optional<Audit::Verifier>& verified, const Audit::AuditKey* key);

} // namespace Admin
} // namespace Nexus
