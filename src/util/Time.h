#pragma once

#include <Poco/Timestamp.h>

#include <string>

namespace Nexus {
namespace Time {

/// A UTC time as MySQL DATETIME(3) text: "2026-11-29 03:16:57.123".
std::string toSql(const Poco::Timestamp& t);

/// MySQL DATETIME text (UTC) to a timestamp. Throws Poco::SyntaxException.
Poco::Timestamp fromSql(const std::string& s);

/// MySQL DATETIME text (UTC) to RFC 3339 with milliseconds: "2026-11-29T03:16:57.123Z".
std::string sqlToRfc3339(const std::string& s);

/// A timestamp as RFC 3339 UTC with milliseconds.
std::string toRfc3339(const Poco::Timestamp& t);

} // namespace Time
} // namespace Nexus
