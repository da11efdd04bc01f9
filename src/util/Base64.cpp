#include "util/Base64.h"

namespace Nexus {

namespace {

const char* const kStandardAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char* const kUrlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The 6-bit value of c in encoding's alphabet, -1 for a character outside it.
int valueOf(char c, Base64::Encoding encoding)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == (encoding == Base64::kStandard ? '+' : '-')) return 62;
	if (c == (encoding == Base64::kStandard ? '/' : '_')) return 63;
	return -1;
}

} // namespace

std::string Base64::encode(std::string_view data, Encoding encoding)
{
	std::string out;
	out.reserve((data.size() + 2) / 3 * 4);
	appendEncoded(data, encoding, out);
	return out;
}

void Base64::appendEncoded(std::string_view data, Encoding encoding, std::string& out)
{
	const char* const alphabet = encoding == kStandard ? kStandardAlphabet : kUrlAlphabet;
	unsigned buffer = 0;
	int bits = 0;
	for (unsigned char c : data)
	{
		buffer = ((buffer << 8) | c) & 0xFFFF;
		bits += 8;
		while (bits >= 6)
		{
			bits -= 6;
			out.push_back(alphabet[(buffer >> bits) & 63]);
		}
	}
	if (bits > 0) out.push_back(alphabet[(buffer << (6 - bits)) & 63]);
	const std::size_t rest = data.size() % 3;
	if (encoding == kStandard && rest != 0) out.append(3 - rest, '=');
}

std::optional<std::string> Base64::decode(std::string_view text, Encoding encoding)
{
	std::string out;
	if (!decodeInto(text, encoding, out)) return std::nullopt;
	return out;
}

bool Base64::decodeInto(std::string_view text, Encoding encoding, std::string& out)
{
	out.clear();
	std::size_t padding = 0;
	if (encoding == kStandard)
	{
		if (text.size() % 4 != 0) return false;
		if (!text.empty() && text[text.size() - 1] == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
		out.reserve(text.size() / 4 * 3);
	}
	else
	{
		if (text.size() % 4 == 1) return false;
		out.reserve(text.size() * 3 / 4);
	}
	unsigned buffer = 0;
	int bits = 0;
	for (std::size_t i = 0; i < text.size() - padding; ++i)
	{
		const int v = valueOf(text[i], encoding);
		if (v < 0) return false;
		buffer = ((buffer << 6) | static_cast<unsigned>(v)) & 0xFFFF;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
		}
	}
	// Padded text is canonical only with the unused bits zero.
	return encoding != kStandard || (buffer & ((1u << bits) - 1)) == 0;
}

} // namespace Nexus
