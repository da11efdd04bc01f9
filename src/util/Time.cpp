#include "util/Time.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>

namespace Nexus {
namespace Time {

std::string toSql(const Poco::Timestamp& t)
{
	return Poco::DateTimeFormatter::format(t, "%Y-%m-%d %H:%M:%S.%i");
}

Poco::Timestamp fromSql(const std::string& s)
{
	int tz = 0;
	// DATETIME(3) comes back as "YYYY-MM-DD HH:MM:SS.fff" (fraction optional).
	const std::string format = s.size() > 19 ? "%Y-%m-%d %H:%M:%S.%F" : "%Y-%m-%d %H:%M:%S";
	return Poco::DateTimeParser::parse(format, s, tz).timestamp();
}

std::string sqlToRfc3339(const std::string& s)
{
	return toRfc3339(fromSql(s));
}

std::string toRfc3339(const Poco::Timestamp& t)
{
	return Poco::DateTimeFormatter::format(t, "%Y-%m-%dT%H:%M:%S.%iZ");
}

} // namespace Time
} // namespace Nexus
