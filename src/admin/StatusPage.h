#pragma once

#include "auth/Principal.h"
#include "http/Response.h"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <string>

namespace Nexus {
namespace Http {
class Request;
}

namespace Admin {

/// The HTML form of GET /admin/status, for a browser (an admin): the facts
/// of status (the JSON object the route answers an API client with, see
/// OperatorResource.h) as cards and lists: version and uptime, the pool and
/// its live workers, the database, the counts, the vault's keys and the
/// audit chain's head.
Http::Response statusPage(const Http::Request& request, const Auth::Principal& principal,
                          const Poco::JSON::Object::Ptr& status);

/// A duration for people: "45 s", "12 min 5 s", "3 h 20 min", "2 d 4 h".
std::string duration(std::int64_t seconds);

} // namespace Admin
} // namespace Nexus
