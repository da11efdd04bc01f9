#include "http/HttpError.h"

namespace Nexus {
namespace Http {

HttpError::HttpError(int status, std::string code, const std::string& message, Headers headers):
    std::runtime_error(message), _status(status), _code(std::move(code)), _headers(std::move(headers))
{}

} // namespace Http
} // namespace Nexus
