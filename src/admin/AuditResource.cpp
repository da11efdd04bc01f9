#include "admin/AuditResource.h"

#include "audit/AuditStore.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "http/Router.h"
#include "util/Integer.h"
#include "util/Time.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timespan.h>

namespace Nexus {
namespace Admin {

using Audit::AuditStore;
using Audit::Entry;
using Auth::Access;
using Http::Request;
using Http::Response;

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

/// An RFC 3339 date-time ("2026-01-02T03:04:05Z", "2026-01-02T05:04:05.25+02:00")
/// as SQL DATETIME text in UTC with microseconds; nullopt when malformed.
/// A space where the offset's '+' belongs is taken as '+' (an unencoded '+'
/// in a query string arrives as a space).
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

std::optional<std::string> timeParameter(const Request& request, const std::string& name)
{
	const auto value = request.query(name);
	if (!value || value->empty()) return std::nullopt;
	auto sql = parseRfc3339(*value);
	if (!sql)
		throw Http::BadRequest(
		    "query parameter '" + name +
		    "' must be an RFC 3339 time such as 2026-01-02T03:04:05Z or 2026-01-02T05:04:05.5+02:00");
	return sql;
}

std::optional<std::string> textParameter(const Request& request, const std::string& name, bool asciiOnly)
{
	auto value = request.query(name);
	if (!value || value->empty()) return std::nullopt;
	if (asciiOnly)
	{
		for (char c : *value)
			if (c < 0x20 || c > 0x7E) throw Http::BadRequest("query parameter '" + name + "' must be printable ASCII");
	}
	else if (!Http::Json::utf8Length(*value))
		throw Http::BadRequest("query parameter '" + name + "' must be UTF-8");
	return value;
}

Poco::JSON::Object::Ptr toJson(const Entry& e)
{
	auto o = Http::Json::object();
	o->set("id", e.id);
	o->set("at", Time::sqlToRfc3339(e.at));
	o->set("request_id", e.requestId);
	o->set("principal", e.principal);
	o->set("action", e.action);
	o->set("target", e.target);
	o->set("outcome", e.outcome);
	o->set("client", e.client);
	o->set("seq", e.seq ? Poco::Dynamic::Var(*e.seq) : Poco::Dynamic::Var());
	o->set("hash", e.hash ? Poco::Dynamic::Var(*e.hash) : Poco::Dynamic::Var());
	return o;
}

Response listAuditLog(const Request& request)
{
	const auto page = Http::Page::from(request);
	AuditStore::Filter filter;
	filter.principal = textParameter(request, "actor", false);
	filter.action = textParameter(request, "action", true);
	filter.target = textParameter(request, "target", false);
	filter.since = timeParameter(request, "since");
	filter.until = timeParameter(request, "until");
	if (filter.since && filter.until && *filter.since > *filter.until)
		throw Http::BadRequest("query parameter 'since' must not be later than 'until'");
	std::uint64_t before = 0;
	if (!page.after().empty())
	{
		const auto id = parseInteger(page.after());
		if (!id || *id < 1) throw Http::BadRequest("query parameter 'after' is not a cursor from a Link header");
		before = static_cast<std::uint64_t>(*id);
	}

	auto entries = AuditStore::list(filter, page.fetch(), before);
	const bool more = page.trim(entries);
	Poco::JSON::Array array;
	for (const auto& entry : entries) array.add(toJson(entry));
	Response response = Response::json(200, array);
	if (more) response.addHeader("Link", page.nextLink(request, std::to_string(entries.back().id)));
	return response;
}

} // namespace

void registerAuditLogRoutes(Http::Router& router, const Settings&)
{
	router.add("GET", "/admin/audit-log", Access::Admin,
	           [](const Request& r, const Auth::Principal&) { return listAuditLog(r); });
}

} // namespace Admin
} // namespace Nexus
