#pragma once

#include "memories/MemoryStore.h"

#include <string>
#include <vector>

namespace Nexus {
namespace Memories {

/// A memory day as one markdown document (what download serves):
///
///     # <agent> — <day>
///
///     ## 14:03:07 UTC
///
///     <the first entry's content, byte for byte>
///
///     ## 14:05:12 UTC
///     ...
///
/// Entries come in the order given (the order collected); an entry written
/// on another day than the file's (collected for an earlier date) shows its
/// date too ("## 2026-07-02 09:00:00 UTC"). Content is not altered or
/// escaped; a newline is added after content that does not end with one.
class MemoryDocument
{
public:
	static std::string markdown(const std::string& agent, const std::string& day, const std::vector<Entry>& entries);

	/// The download's file name: "<agent>-<day>.<extension>" (slug and day
	/// need no quoting).
	static std::string fileName(const std::string& agent, const std::string& day, const std::string& extension);
};

} // namespace Memories
} // namespace Nexus
