#include "http/Request.h"

#include "http/HttpError.h"
#include "util/Wiper.h"

#include <Poco/String.h>

#include <cctype>

namespace Nexus {
namespace Http {

namespace {

int hexValue(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

} // namespace

Request::Request(std::string method, const std::string& target): _method(std::move(method))
{
	const auto q = target.find('?');
	_path = target.substr(0, q);
	if (q != std::string::npos) _queryString = target.substr(q + 1);
	if (_path.empty() || _path[0] != '/') throw BadRequest("request path must start with '/'");

	std::size_t start = 1;
	while (start <= _path.size())
	{
		auto end = _path.find('/', start);
		if (end == std::string::npos) end = _path.size();
		std::string segment = percentDecode(_path.substr(start, end - start), false, "path");
		if (segment == "." || segment == "..") throw BadRequest("path segments '.' and '..' are not allowed");
		if (segment.find('\0') != std::string::npos) throw BadRequest("path must not contain NUL bytes");
		// A trailing slash ("/api/agents/") names the same resource as without it.
		if (!(segment.empty() && end == _path.size() && !_segments.empty())) _segments.push_back(std::move(segment));
		start = end + 1;
	}

	std::size_t pos = 0;
	while (pos < _queryString.size())
	{
		auto amp = _queryString.find('&', pos);
		if (amp == std::string::npos) amp = _queryString.size();
		const std::string pair = _queryString.substr(pos, amp - pos);
		if (!pair.empty())
		{
			const auto eq = pair.find('=');
			std::string name = percentDecode(pair.substr(0, eq), true, "query string");
			std::string value = eq == std::string::npos
			                        ? std::string()
			                        : percentDecode(pair.substr(eq + 1), true, "query parameter '" + name + "'");
			_query.emplace(std::move(name), std::move(value));
		}
		pos = amp + 1;
	}
}

std::optional<std::string> Request::query(const std::string& name) const
{
	// lower_bound: the first of several values with this name, guaranteed.
	auto it = _query.lower_bound(name);
	if (it == _query.end() || it->first != name) return std::nullopt;
	return it->second;
}

std::optional<std::string> Request::header(const std::string& name) const
{
	auto it = _headers.find(name);
	if (it == _headers.end()) return std::nullopt;
	return it->second;
}

void Request::setHeader(const std::string& name, const std::string& value)
{
	_headers[Poco::toLower(name)] = value;
}

const std::string& Request::pathParam(const std::string& name) const
{
	static const std::string empty;
	auto it = _pathParams.find(name);
	return it == _pathParams.end() ? empty : it->second;
}

std::optional<std::string> Request::formField(const std::string& name) const
{
	std::size_t pos = 0;
	while (pos < _body.size())
	{
		auto amp = _body.find('&', pos);
		if (amp == std::string::npos) amp = _body.size();
		const std::string pair = _body.substr(pos, amp - pos);
		const auto eq = pair.find('=');
		if (percentDecode(pair.substr(0, eq), true, "the form") == name)
			return eq == std::string::npos ? std::string() : percentDecode(pair.substr(eq + 1), true, "the form");
		pos = amp + 1;
	}
	return std::nullopt;
}

std::string Request::origin() const
{
	const auto host = header("host");
	if ((_scheme != "http" && _scheme != "https") || !host || host->empty() || host->size() > 255) return {};
	for (unsigned char c : *host)
		if (!std::isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']') return {};
	std::string origin = _scheme + "://" + *host;
	const bool hasPort =
	    host->find(':', host->rfind(']') == std::string::npos ? 0 : host->rfind(']')) != std::string::npos;
	const bool defaultPort = (_scheme == "http" && _serverPort == "80") || (_scheme == "https" && _serverPort == "443");
	bool digits = !_serverPort.empty() && _serverPort.size() <= 5;
	for (unsigned char c : _serverPort) digits = digits && std::isdigit(c);
	if (!hasPort && !defaultPort && digits) origin += ":" + _serverPort;
	return origin;
}

std::optional<std::string> Request::cookie(const std::string& name) const
{
	const auto header = this->header("cookie");
	if (!header) return std::nullopt;
	std::size_t pos = 0;
	while (pos < header->size())
	{
		auto end = header->find(';', pos);
		if (end == std::string::npos) end = header->size();
		const std::string pair = Poco::trim(header->substr(pos, end - pos));
		const auto eq = pair.find('=');
		if (eq != std::string::npos && Poco::trim(pair.substr(0, eq)) == name) return Poco::trim(pair.substr(eq + 1));
		pos = end + 1;
	}
	return std::nullopt;
}

std::string Request::mediaType() const
{
	auto type = header("content-type");
	if (!type) return {};
	std::string t = type->substr(0, type->find(';'));
	return Poco::toLower(Poco::trim(t));
}

std::string Request::charset() const
{
	auto type = header("content-type");
	if (!type) return {};
	std::size_t semi = type->find(';');
	while (semi != std::string::npos)
	{
		const std::size_t next = type->find(';', semi + 1);
		std::string param =
		    Poco::trim(type->substr(semi + 1, next == std::string::npos ? std::string::npos : next - semi - 1));
		const std::size_t eq = param.find('=');
		if (eq != std::string::npos && Poco::icompare(Poco::trim(param.substr(0, eq)), "charset") == 0)
		{
			std::string value = Poco::trim(param.substr(eq + 1));
			if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
				value = value.substr(1, value.size() - 2);
			return Poco::toLower(value);
		}
		semi = next;
	}
	return {};
}

std::string Request::percentDecode(const std::string& s, bool plusAsSpace, const std::string& what)
{
	std::string out;
	out.reserve(s.size());
	for (std::size_t i = 0; i < s.size(); ++i)
	{
		const char c = s[i];
		if (c == '%')
		{
			const int hi = i + 2 < s.size() ? hexValue(s[i + 1]) : -1;
			const int lo = i + 2 < s.size() ? hexValue(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) throw BadRequest("malformed percent-encoding in " + what);
			out.push_back(static_cast<char>(hi * 16 + lo));
			i += 2;
		}
		else if (c == '+' && plusAsSpace)
			out.push_back(' ');
		else
			out.push_back(c);
	}
	return out;
}

std::string Request::percentEncode(const std::string& s)
{
	static const char* const kHex = "0123456789ABCDEF";
	std::string out;
	for (unsigned char c : s)
	{
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			out.push_back(static_cast<char>(c));
		else
		{
			out.push_back('%');
			out.push_back(kHex[c >> 4]);
			out.push_back(kHex[c & 15]);
		}
	}
	return out;
}

void Request::wipeBody() const
{
	Wiper::wipe(_body.data(), _body.size());
	_body.clear();
}

} // namespace Http
} // namespace Nexus
