#pragma once

#include <Poco/Timestamp.h>

#include <optional>
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

/// An RFC 3339 date-time ("2026-01-02T03:04:05Z", "2026-01-02T05:04:05.25+02:00")
/// as MySQL DATETIME text in UTC with microseconds; nullopt when malformed.
/// A space where the offset's '+' belongs is taken as '+' (an unencoded '+'
/// in a query string arrives as a space).
std::optional<std::string> parseRfc3339(const std::string& s);

/// True when s is exactly YYYY-MM-DD and names a real calendar date from
/// 1000-01-01 to 9999-12-31 (MySQL's DATE range): "2026-02-30", "2026-13-01",
/// "2026-7-1" and "yesterday" are not.
bool isDate(const std::string& s);

/// The UTC date of t: "2026-07-01".
std::string dateOf(const Poco::Timestamp& t);

} // namespace Time
} // namespace Nexus
