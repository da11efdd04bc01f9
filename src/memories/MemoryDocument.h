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
///
/// Or as JSON, one line:
/// {"agent":..,"date":..,"entries":[{"id":..,"created_at":..,"bytes":..,"content":..},...]}
/// followed by a newline (what Response::json made of the same Poco tree).
class MemoryDocument
{
public:
	enum class Format
	{
		Markdown,
		Json
	};

	/// Writes a day piece by piece, for a download that streams it: begin(),
	/// then entries() for each chunk of entries in order, then end(); the
	/// pieces concatenated are the whole document.
	class Writer
	{
	public:
		Writer(Format format, std::string agent, std::string day);

		std::string begin() const;
		/// The next entries (the first call's are the day's first).
		std::string entries(const std::vector<Entry>& chunk);
		std::string end() const;

	private:
		Format _format;
		std::string _agent;
		std::string _day;
		bool _first = true;
	};

	/// The whole markdown document of entries.
	static std::string markdown(const std::string& agent, const std::string& day, const std::vector<Entry>& entries);

	/// The download's file name: "<agent>-<day>.<extension>" (slug and day
	/// need no quoting).
	static std::string fileName(const std::string& agent, const std::string& day, const std::string& extension);
};

} // namespace Memories
} // namespace Nexus
