#include "idempotency/StoredAnswer.h"

#include "util/Integer.h"

#include <stdexcept>

namespace Nexus {
namespace Idempotency {

namespace {

const std::string kTag = "nexus-answer-v1\n";

void put(std::string& out, const std::string& field)
{
	out += std::to_string(field.size());
	out += ':';
	out += field;
}

/// Reads put()'s field at pos, advancing pos.
std::string take(const std::string& in, std::size_t& pos)
{
	const auto colon = in.find(':', pos);
	if (colon == std::string::npos || colon == pos || colon - pos > 10)
		throw std::invalid_argument("stored answer: bad field length");
	std::size_t size = 0;
	for (std::size_t i = pos; i < colon; ++i)
	{
		if (in[i] < '0' || in[i] > '9') throw std::invalid_argument("stored answer: bad field length");
		size = size * 10 + static_cast<std::size_t>(in[i] - '0');
	}
	if (size > in.size() - colon - 1) throw std::invalid_argument("stored answer: field runs past the end");
	pos = colon + 1 + size;
	return in.substr(colon + 1, size);
}

long long number(const std::string& text, long long low, long long high)
{
	const auto n = parseInteger(text);
	if (!n || *n < low || *n > high) throw std::invalid_argument("stored answer: bad number");
	return *n;
}

} // namespace

StoredAnswer StoredAnswer::of(const std::string& fingerprint, const Http::Response& response)
{
	if (response.streamed()) throw std::logic_error("a streamed response cannot be stored for Idempotency-Key");
	return StoredAnswer{fingerprint,        response.status(), response.contentType(),
	                    response.headers(), response.body(),   response.secret()};
}

Http::Response StoredAnswer::replay() const
{
	Http::Response response =
	    secret ? Http::Response::secretJson(status, body) : Http::Response(status, contentType, body);
	for (const auto& [name, value] : headers) response.addHeader(name, value);
	response.addHeader("Idempotent-Replayed", "true");
	return response;
}

std::string StoredAnswer::encode() const
{
	std::string out = kTag;
	put(out, fingerprint);
	put(out, std::to_string(status));
	put(out, contentType);
	put(out, secret ? "1" : "0");
	put(out, std::to_string(headers.size()));
	for (const auto& [name, value] : headers)
	{
		put(out, name);
		put(out, value);
	}
	put(out, body);
	return out;
}

StoredAnswer StoredAnswer::decode(const std::string& bytes)
{
	if (bytes.compare(0, kTag.size(), kTag) != 0) throw std::invalid_argument("stored answer: unknown format");
	std::size_t pos = kTag.size();
	StoredAnswer a;
	a.fingerprint = take(bytes, pos);
	a.status = static_cast<int>(number(take(bytes, pos), 100, 599));
	a.contentType = take(bytes, pos);
	const std::string secret = take(bytes, pos);
	if (secret != "0" && secret != "1") throw std::invalid_argument("stored answer: bad secret flag");
	a.secret = secret == "1";
	const auto headers = number(take(bytes, pos), 0, 1000);
	for (long long i = 0; i < headers; ++i)
	{
		std::string name = take(bytes, pos);
		std::string value = take(bytes, pos);
		a.headers.emplace_back(std::move(name), std::move(value));
	}
	a.body = take(bytes, pos);
	if (pos != bytes.size()) throw std::invalid_argument("stored answer: trailing bytes");
	return a;
}

} // namespace Idempotency
} // namespace Nexus
