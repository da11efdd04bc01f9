#pragma once

#include <string>

namespace Nexus {

/// Sends Poco's root logger to stderr, one line per message:
/// "2026-11-29T03:16:57.123Z I [pid] source: text" (journald adds its own time).
void setupLogging(const std::string& level);

} // namespace Nexus
