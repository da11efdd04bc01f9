#include "audit/Chain.h"

#include "auth/Token.h"
#include "util/Hex.h"

namespace Nexus {
namespace Audit {

namespace {

bool digits(const std::string& s, std::size_t pos, std::size_t n, int min, int max)
{
	int value = 0;
	for (std::size_t i = pos; i < pos + n; ++i)
	{
		if (s[i] < '0' || s[i] > '9') return false;
		value = value * 10 + (s[i] - '0');
	}
	return value >= min && value <= max;
}

} // namespace

const std::string Chain::kGenesis(64, '0');
const std::string Chain::kFormat("nexus-audit-v1");

namespace {

const std::string kRowFormat("nexus-audit-row-v1");

/// Netstrings of format, id (none when empty), then at, request id,
/// principal, action, target, outcome and client.
std::string encode(const std::string& format, const std::string& id, const Entry& entry)
{
	std::string out;
	out.reserve(96 + entry.at.size() + entry.requestId.size() + entry.principal.size() + entry.action.size() +
	            entry.target.size() + entry.outcome.size() + entry.client.size());
	Digest::appendNetstring(out, format);
	if (!id.empty()) Digest::appendNetstring(out, id);
	for (const std::string* field :
	     {&entry.at, &entry.requestId, &entry.principal, &entry.action, &entry.target, &entry.outcome, &entry.client})
		Digest::appendNetstring(out, *field);
	return out;
}

} // namespace

std::string Chain::canonical(const Entry& entry)
{
	return encode(kFormat, std::to_string(entry.id), entry);
}

std::string Chain::hash(const std::string& prevHash, const Entry& entry, const AuditKey* key)
{
	if (keyed(key, entry.seq.value_or(0))) return Digest::hmacSha256Hex(key->chainKey, prevHash + canonical(entry));
	return Digest::sha256Hex(prevHash + canonical(entry));
}

std::string Chain::rowMac(const std::string& rowKey, const Entry& entry)
{
	return Digest::hmacSha256Hex(rowKey, encode(kRowFormat, "", entry));
}

bool Chain::isHash(const std::string& s)
{
	return Auth::Token::isHash(s);
}

bool Chain::isTime(const std::string& s)
{
	// 2026-01-02 03:04:05.678
	// 0123456789012345678901 2
	return s.size() == 23 && s[4] == '-' && s[7] == '-' && s[10] == ' ' && s[13] == ':' && s[16] == ':' &&
	       s[19] == '.' && digits(s, 0, 4, 1000, 9999) && digits(s, 5, 2, 1, 12) && digits(s, 8, 2, 1, 31) &&
	       digits(s, 11, 2, 0, 23) && digits(s, 14, 2, 0, 59) && digits(s, 17, 2, 0, 59) && digits(s, 20, 3, 0, 999);
}

bool Chain::isOutcome(const std::string& s)
{
	return s == "ok" || s == "denied" || s == "error";
}

} // namespace Audit
} // namespace Nexus
