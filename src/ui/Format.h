#pragma once

#include <string>

namespace Nexus {
namespace Ui {

/// Stored JSON text (a profile's parameters, a model's metadata) indented by
/// two spaces for a <pre> or a textarea, keys in their stored order. Text
/// that is not JSON comes back as it is.
std::string prettyJson(const std::string& json);

} // namespace Ui
} // namespace Nexus
