#include "idempotency/IdempotencyKey.h"

#include "http/HttpError.h"
#include "util/Hex.h"

namespace Nexus {
namespace Idempotency {

namespace {

/// "<length>:<bytes>", so that concatenated fields cannot run into each other.
void appendField(std::string& out, const std::string& field)
{
	out += std::to_string(field.size());
	out += ':';
	out += field;
}

} // namespace

bool IdempotencyKey::valid(const std::string& text)
{
	if (text.empty() || text.size() > kMaxChars) return false;
	for (unsigned char c : text)
		if (c < 0x21 || c > 0x7e) return false;
	return true;
}

std::optional<std::string> IdempotencyKey::of(const Http::Request& request)
{
	auto key = request.header("idempotency-key");
	if (!key) return std::nullopt;
	if (!valid(*key))
		throw Http::BadRequest("header 'Idempotency-Key' must be 1 to " + std::to_string(kMaxChars) +
		                       " visible ASCII characters (no spaces)");
	return key;
}

std::string IdempotencyKey::fingerprint(const Http::Request& request)
{
	std::string text = "nexus-request-v1\n";
	appendField(text, request.method());
	appendField(text, request.path());
	appendField(text, request.queryString());
	appendField(text, request.body());
	return Digest::sha256Hex(text);
}

std::string IdempotencyKey::identity(const std::string& principalLabel, const std::string& key)
{
	std::string text = "nexus-idempotency-v1\n";
	appendField(text, principalLabel);
	appendField(text, key);
	return text;
}

} // namespace Idempotency
} // namespace Nexus
