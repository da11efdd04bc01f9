#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace Nexus {

/// Base64 (RFC 4648) in the two forms Nexus uses. Each form has its own
/// acceptance rules, which decoding applies exactly:
///
/// - kStandard (section 4; the keyring file): A-Z a-z 0-9 + /, padded with
///   '=' to a multiple of 4 characters. Only canonical text decodes: a length
///   that is a multiple of 4, '=' only as the last one or two characters, and
///   the unused low bits of the last character zero.
/// - kUrl (section 5; tokens and page cursors): A-Z a-z 0-9 - _, without
///   padding. Any length but 4n + 1 decodes; '=' is outside the alphabet; the
///   unused low bits of the last character are ignored.
///
/// The empty string encodes to, and decodes from, the empty string.
class Base64
{
public:
	enum Encoding
	{
		kStandard,
		kUrl,
	};

	/// The encoding of data.
	static std::string encode(std::string_view data, Encoding encoding);

	/// Appends the encoding of data to out, in place: with out reserved
	/// large enough beforehand, nothing is reallocated, so key material
	/// written among other text leaves no copy behind in freed memory.
	static void appendEncoded(std::string_view data, Encoding encoding, std::string& out);

	/// The bytes text encodes; std::nullopt when text breaks the rules of
	/// encoding.
	static std::optional<std::string> decode(std::string_view text, Encoding encoding);

	/// Decodes text into out without a copy: out is cleared, then reserved
	/// for the longest result text can have, so that appending the bytes
	/// never reallocates and no copy of them is left in freed memory (for
	/// key material, pass an empty string and wipe it when done; a used
	/// string that reserve() has to grow frees its old bytes unwiped).
	/// False when text breaks the rules of encoding; out then holds part of
	/// the bytes, which the caller wipes likewise.
	static bool decodeInto(std::string_view text, Encoding encoding, std::string& out);
};

} // namespace Nexus
