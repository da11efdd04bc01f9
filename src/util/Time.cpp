#include "util/Time.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Timespan.h>

namespace Nexus {
namespace Time {

namespace {

/// The decimal value of s[pos, pos + n) when it is all digits, else -1.
int number(const std::string& s, std::size_t pos, std::size_t n)
{
	if (pos + n > s.size()) return -1;
	int value = 0;
	for (std::size_t i = pos; i < pos + n; ++i)
	{
		if (s[i] < '0' || s[i] > '9') return -1;
		value = value * 10 + (s[i] - '0');
	}
	return value;
}

} // namespace

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

std::optional<std::string> parseRfc3339(const std::string& s)
{
	// 2026-01-02T03:04:05[.frac](Z|+hh:mm)
	// 0123456789012345678
	if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
	    s[16] != ':')
		return std::nullopt;
	const int year = number(s, 0, 4), month = number(s, 5, 2), day = number(s, 8, 2);
	const int hour = number(s, 11, 2), minute = number(s, 14, 2), second = number(s, 17, 2);
	if (year < 1000 || month < 1 || month > 12 || day < 1 || day > Poco::DateTime::daysOfMonth(year, month) ||
	    hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
		return std::nullopt;
	std::size_t pos = 19;
	int micros = 0;
	if (s[pos] == '.')
	{
		const std::size_t start = ++pos;
		while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
		if (pos == start || pos - start > 9) return std::nullopt;
		for (std::size_t i = start; i < start + 6; ++i) micros = micros * 10 + (i < pos ? s[i] - '0' : 0);
	}
	int offsetMinutes = 0;
	const bool zulu = pos + 1 == s.size() && (s[pos] == 'Z' || s[pos] == 'z');
	if (!zulu)
	{
		if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-' && s[pos] != ' ') || s[pos + 3] != ':')
			return std::nullopt;
		const int oh = number(s, pos + 1, 2), om = number(s, pos + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
		offsetMinutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
	}
	Poco::DateTime utc(year, month, day, hour, minute, second, micros / 1000, micros % 1000);
	utc -= Poco::Timespan(0, 0, offsetMinutes, 0, 0);
	if (utc.year() < 1000 || utc.year() > 9999) return std::nullopt;
	return Poco::DateTimeFormatter::format(utc, "%Y-%m-%d %H:%M:%S.%F");
}

bool isDate(const std::string& s)
{
	if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
	const int year = number(s, 0, 4), month = number(s, 5, 2), day = number(s, 8, 2);
	return year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= Poco::DateTime::daysOfMonth(year, month);
}

std::string dateOf(const Poco::Timestamp& t)
{
	return Poco::DateTimeFormatter::format(t, "%Y-%m-%d");
}

} // namespace Time
} // namespace Nexus
