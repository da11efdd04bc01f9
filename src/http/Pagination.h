#pragma once

#include "http/Response.h"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace Nexus {
namespace Http {

class Request;

/// Keyset pagination for growing lists: ?limit= (1..1000, default 100) and
/// ?after=<cursor>, where the cursor is the opaque (base64url) sort key of
/// the last row of the previous page. Stores fetch limit + 1 rows so the
/// handler knows whether a next page exists.
///
/// The next page's URL (Link, the UI's "Next page") carries limit, after and
/// the list's own filters, the parameters named to from(), and nothing else:
/// an unknown parameter is dropped, so a client cannot make the Link header
/// as long as its query string (nginx refuses a response header over its
/// buffer). The filters together are at most kMaxFilterBytes, encoded.
class Page
{
public:
	static constexpr std::size_t kDefaultLimit = 100;
	static constexpr std::size_t kMaxLimit = 1000;
	/// The most the filters kept in a next-page URL may take, percent-encoded.
	static constexpr std::size_t kMaxFilterBytes = 2048;

	/// The longest sort key a cursor may hold (decoded).
	static constexpr std::size_t kMaxCursorBytes = 1024;

	/// Reads limit and after from the query, and the first value of each of
	/// filters (the list's query parameters) for the next page's URL.
	/// validKey, when given, says which sort keys the list has (a slug, a
	/// name): a cursor holding anything else did not come from its Link.
	/// Throws BadRequest naming the parameter: a bad limit, an after that is
	/// no cursor (not base64url, longer than kMaxCursorBytes, refused by
	/// validKey), or a filter that takes the filters past kMaxFilterBytes.
	static Page from(const Request& request, std::initializer_list<const char*> filters,
	                 bool (*validKey)(const std::string&) = nullptr);

	std::size_t limit() const { return _limit; }
	/// The decoded sort key to start after; empty for the first page.
	const std::string& after() const { return _after; }
	/// How many rows a store should fetch: limit + 1.
	std::size_t fetch() const { return _limit + 1; }

	/// Drops the extra row a store fetched; true when there is a next page.
	template <typename Row> bool trim(std::vector<Row>& rows) const
	{
		if (rows.size() <= _limit) return false;
		rows.resize(_limit);
		return true;
	}

	/// The cursor as a row id, for lists keyed by id: 0 for the first page.
	/// Throws BadRequest when the cursor is not an id.
	std::uint64_t afterId() const;

	/// The page as a JSON array (one toJson(row) each), with a Link to the
	/// next page (cursor: key(last row)) when the store fetched more than limit.
	template <typename Row, typename ToJson, typename Key>
	Response respond(std::vector<Row> rows, const Request& request, ToJson toJson, Key key) const
	{
		const bool more = trim(rows);
		Poco::JSON::Array array;
		for (const auto& row : rows) array.add(toJson(row));
		Response response = Response::json(200, array);
		if (more) response.addHeader("Link", nextLink(request, key(rows.back())));
		return response;
	}

	/// The Link header value for the next page: <nextUrl>; rel="next".
	std::string nextLink(const Request& request, const std::string& lastKey) const;
	/// The URL (path and query) of the first page: the request without after.
	static std::string firstUrl(const Request& request);
	/// The URL (path and query) of the next page: the path, the filters
	/// that were given (re-encoded), limit and after=<cursor of lastKey>.
	std::string nextUrl(const Request& request, const std::string& lastKey) const;

private:
	std::size_t _limit = kDefaultLimit;
	std::string _after;
	/// The filters given, as "name=value&" pairs, percent-encoded.
	std::string _filters;
};

} // namespace Http
} // namespace Nexus
