#include "http/HttpError.h"

#include "http/Json.h"

namespace Nexus {
namespace Http {

HttpError::HttpError(int status, std::string code, const std::string& message, Headers headers):
    // A message may quote input (a path segment, a field): never invalid
    // UTF-8 in a response, JSON or HTML.
    std::runtime_error(Json::validUtf8(message)), _status(status), _code(std::move(code)), _headers(std::move(headers))
{}

} // namespace Http
} // namespace Nexus
