#include "memories/MemoryInput.h"

#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Request.h"
#include "http/Validate.h"
#include "util/Integer.h"
#include "util/Time.h"

#include <limits>

namespace Nexus {
namespace Memories {

namespace {

/// A query parameter; an empty value (an empty form field) counts as absent.
std::optional<std::string> parameter(const Http::Request& request, const std::string& name)
{
	auto value = request.query(name);
	if (value && value->empty()) value.reset();
	return value;
}

std::optional<std::string> dayParameter(const Http::Request& request, const std::string& name)
{
	auto value = parameter(request, name);
	if (value && !Time::isDate(*value))
		throw Http::BadRequest(MemoryInput::invalidDay("query parameter '" + name + "'"));
	return value;
}

} // namespace

const char* const MemoryInput::kSlugRule =
    "lower-case letters, digits and '-', starting with a letter or digit, at most 63 characters";

std::string MemoryInput::invalidDay(const std::string& what)
{
	return what + " must be a real calendar date written YYYY-MM-DD (UTC), e.g. 2026-07-01";
}

Collected MemoryInput::collect(const Http::Request& request, std::size_t maxEntryBytes)
{
	Http::Fields fields(Http::Json::parseObject(request), {"agent", "content", "date"});
	Collected c;
	c.agent = fields.string("agent", 1, 63);
	if (!Http::Validate::slug(c.agent))
		throw Http::BadRequest("field 'agent' must be an agent slug: " + std::string(kSlugRule));

	// The limit is in bytes (413), not characters; NUL is refused (400).
	auto content = fields.optionalString("content", std::numeric_limits<std::size_t>::max());
	if (!content || content->empty()) throw Http::BadRequest("field 'content' is required: a non-empty string");
	if (content->size() > maxEntryBytes)
		throw Http::PayloadTooLarge("field 'content' may be at most " + std::to_string(maxEntryBytes) +
		                            " bytes (memories.max_entry_bytes)");
	c.content = std::move(*content);
	if (auto date = fields.optionalString("date", std::numeric_limits<std::size_t>::max()))
	{
		if (!Time::isDate(*date)) throw Http::BadRequest(invalidDay("field 'date'"));
		c.date = std::move(*date);
	}
	return c;
}

Days MemoryInput::days(const Http::Request& request)
{
	Days days;
	days.from = dayParameter(request, "from");
	days.to = dayParameter(request, "to");
	if (auto date = dayParameter(request, "date"))
	{
		if (days.from || days.to)
			throw Http::BadRequest("query parameter 'date' cannot be combined with 'from' or 'to'");
		days.from = days.to = date;
	}
	if (days.from && days.to && *days.from > *days.to)
		throw Http::BadRequest("query parameter 'from' must not be later than 'to'");
	return days;
}

std::optional<std::pair<std::string, std::uint64_t>> MemoryInput::cursor(const std::string& key)
{
	if (key.empty()) return std::nullopt;
	const auto id = key.size() > 11 && key[10] == '/' ? parseInteger(key.substr(11)) : std::nullopt;
	if (!id || *id < 0 || !Time::isDate(key.substr(0, 10)))
		throw Http::BadRequest("query parameter 'after' is not a cursor from a Link header");
	return std::make_pair(key.substr(0, 10), static_cast<std::uint64_t>(*id));
}

} // namespace Memories
} // namespace Nexus
