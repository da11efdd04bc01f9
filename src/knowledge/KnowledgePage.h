#pragma once

#include "auth/Principal.h"
#include "http/Response.h"
#include "knowledge/Entity.h"

#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}

namespace Knowledge {

/// The HTML form of GET /api/knowledge and GET /api/knowledge/:kind, for a
/// browser: the search form (kind and text; kind is fixed on a kind's
/// page), links to each kind, one page of entities (best match first when
/// searching), a link to the next page (nextUrl, "" for none) and, on a
/// kind's page for an admin, the new-entry form (YAML).
Http::Response entitiesPage(const Http::Request& request, const Auth::Principal& principal,
                            const std::optional<std::string>& kind, const std::vector<Entity>& rows,
                            const std::string& nextUrl);

/// The HTML form of GET /api/knowledge/:kind/:name: the entity's fields,
/// spec and content, its YAML document and, for an admin, the form that
/// edits that YAML and the delete form.
Http::Response entityPage(const Http::Request& request, const Auth::Principal& principal, const Entity& entity);

} // namespace Knowledge
} // namespace Nexus
