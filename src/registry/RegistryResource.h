#pragma once

#include "registry/ModelStore.h"

#include <Poco/JSON/Object.h>

namespace Nexus {
struct Settings;
namespace Routing {
class Router;
}

namespace Registry {

/// Adds /api/registry/models (the spec's Model Registry section): list,
/// family, create-or-replace and delete, for any agent token or the admin
/// token; writes are audited. settings must outlive the router.
void registerRoutes(Routing::Router& router, const Settings& settings);

/// The entry as the API returns it: id, slug, model_id, provider, name,
/// context_length, max_output_tokens, input_modalities, output_modalities,
/// pricing, supported_parameters, deprecation_date, metadata, created_at,
/// updated_at (times RFC 3339 UTC). Throws Poco::Exception when a stored
/// JSON column is not valid JSON (only SQL written by hand can do that).
Poco::JSON::Object::Ptr toJson(const ModelEntry& model);

} // namespace Registry
} // namespace Nexus
