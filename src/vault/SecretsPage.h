#pragma once

#include "auth/Principal.h"
#include "http/Pagination.h"
#include "http/Response.h"
#include "vault/VaultStore.h"

#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Vault {

/// The HTML form of GET /api/secrets, for a browser: one page of secret
/// metadata (never a value), a profile filter and a link to the next page.
/// rows: what the store fetched for page (limit + 1 rows when more exist).
Http::Response secretsPage(const Http::Request& request, const Auth::Principal& principal,
                           const std::optional<std::string>& profile, std::vector<SecretMeta> rows,
                           const Http::Page& page);

} // namespace Vault
} // namespace Nexus
