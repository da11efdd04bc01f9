#pragma once

#include <cstddef>
#include <string>

namespace Nexus {
namespace Utf8 {

/// The length (1 to 4) of the well-formed UTF-8 sequence at s[i] (i <
/// s.size()), or 0 when none starts there: a stray continuation byte, a
/// truncated sequence, an overlong form, a surrogate or a value past
/// U+10FFFF.
std::size_t sequenceAt(const std::string& s, std::size_t i);

} // namespace Utf8
} // namespace Nexus
