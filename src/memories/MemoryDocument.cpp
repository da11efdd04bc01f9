#include "memories/MemoryDocument.h"

namespace Nexus {
namespace Memories {

std::string MemoryDocument::markdown(const std::string& agent, const std::string& day,
                                     const std::vector<Entry>& entries)
{
	std::size_t size = agent.size() + day.size() + 16;
	for (const auto& e : entries) size += e.content.size() + 40;
	std::string doc;
	doc.reserve(size);
	doc += "# " + agent + " \u2014 " + day + "\n";
	for (const auto& e : entries)
	{
		// created_at is "YYYY-MM-DD HH:MM:SS.fff".
		const std::string written = e.createdAt.substr(0, 10);
		const std::string time = e.createdAt.substr(11, 8);
		doc += "\n## ";
		if (written != day) doc += written + " ";
		doc += time + " UTC\n\n";
		doc += e.content;
		if (e.content.empty() || e.content.back() != '\n') doc += '\n';
	}
	return doc;
}

std::string MemoryDocument::fileName(const std::string& agent, const std::string& day, const std::string& extension)
{
	return agent + "-" + day + "." + extension;
}

} // namespace Memories
} // namespace Nexus
