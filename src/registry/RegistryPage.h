#pragma once

#include "auth/Principal.h"
#include "http/Response.h"
#include "registry/ModelStore.h"

#include <string>
#include <vector>

namespace Nexus {
namespace Http {
class Request;
}

namespace Registry {

/// The HTML form of GET /api/registry/models, for a browser: the provider
/// and modality filters, one page of entries (a past deprecation date
/// stands out), a link to the next page (nextUrl, "" for none) and, for an
/// admin, the create-or-replace form and a delete button per entry.
Http::Response modelsPage(const Http::Request& request, const Auth::Principal& principal,
                          const std::vector<ModelEntry>& rows, const std::string& nextUrl);

/// The HTML form of GET /api/registry/models/:slug: every entry of the
/// family with all its fields and, for an admin, a prefilled replace form
/// and a delete button for each.
Http::Response familyPage(const Http::Request& request, const Auth::Principal& principal, const std::string& slug,
                          const std::vector<ModelEntry>& models);

} // namespace Registry
} // namespace Nexus
