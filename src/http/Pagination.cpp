#include "http/Pagination.h"

#include "http/HttpError.h"
#include "http/Request.h"
#include "util/Base64.h"
#include "util/Integer.h"

namespace Nexus {
namespace Http {

Page Page::from(const Request& request, std::initializer_list<const char*> filters,
                bool (*validKey)(const std::string&))
{
	Page page;
	for (const char* name : filters)
	{
		const auto value = request.query(name);
		if (!value) continue;
		page._filters += std::string(name) + "=" + Request::percentEncode(*value) + "&";
		if (page._filters.size() > kMaxFilterBytes)
			throw BadRequest(std::string("query parameter '") + name + "' is too long for a paged list (the filters " +
			                 "may take " + std::to_string(kMaxFilterBytes) + " bytes, percent-encoded)");
	}
	if (auto limit = request.query("limit"))
	{
		const long long value = parseInteger(*limit).value_or(0);
		if (value < 1 || value > static_cast<long long>(kMaxLimit))
			throw BadRequest("query parameter 'limit' must be an integer from 1 to " + std::to_string(kMaxLimit));
		page._limit = static_cast<std::size_t>(value);
	}
	if (auto after = request.query("after"); after && !after->empty())
	{
		// Base64 takes 4 characters for 3 bytes: a longer text holds a longer key.
		if (after->size() > (kMaxCursorBytes + 2) / 3 * 4)
			throw BadRequest("query parameter 'after' is not a cursor from a Link header");
		auto key = Base64::decode(*after, Base64::kUrl);
		if (!key || key->empty() || key->size() > kMaxCursorBytes || (validKey && !validKey(*key)))
			throw BadRequest("query parameter 'after' is not a cursor from a Link header");
		page._after = *key;
	}
	return page;
}

std::uint64_t Page::afterId() const
{
	if (_after.empty()) return 0;
	const auto id = parseInteger(_after);
	if (!id || *id < 0) throw BadRequest("query parameter 'after' is not a cursor from a Link header");
	return static_cast<std::uint64_t>(*id);
}

std::string Page::nextLink(const Request& request, const std::string& lastKey) const
{
	return "<" + nextUrl(request, lastKey) + ">; rel=\"next\"";
}

std::string Page::firstUrl(const Request& request)
{
	std::string query;
	const std::string& qs = request.queryString();
	std::size_t pos = 0;
	while (pos < qs.size())
	{
		auto amp = qs.find('&', pos);
		if (amp == std::string::npos) amp = qs.size();
		const std::string pair = qs.substr(pos, amp - pos);
		const std::string name = pair.substr(0, pair.find('='));
		if (!pair.empty() && name != "after") query += (query.empty() ? "" : "&") + pair;
		pos = amp + 1;
	}
	return query.empty() ? request.path() : request.path() + "?" + query;
}

std::string Page::nextUrl(const Request& request, const std::string& lastKey) const
{
	return request.path() + "?" + _filters + "limit=" + std::to_string(_limit) +
	       "&after=" + Base64::encode(lastKey, Base64::kUrl);
}

} // namespace Http
} // namespace Nexus
