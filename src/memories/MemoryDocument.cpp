#include "memories/MemoryDocument.h"

#include "http/Json.h"
#include "util/Time.h"

namespace Nexus {
namespace Memories {

using Http::Json::quote;

MemoryDocument::Writer::Writer(Format format, std::string agent, std::string day):
    _format(format), _agent(std::move(agent)), _day(std::move(day))
{}

std::string MemoryDocument::Writer::begin() const
{
	if (_format == Format::Json) return "{\"agent\":" + quote(_agent) + ",\"date\":" + quote(_day) + ",\"entries\":[";
	return "# " + _agent + " \u2014 " + _day + "\n";
}

std::string MemoryDocument::Writer::entries(const std::vector<Entry>& chunk)
{
	std::size_t size = 0;
	for (const auto& e : chunk) size += e.content.size() + (_format == Format::Json ? 96 : 40);
	std::string out;
	out.reserve(size);
	for (const auto& e : chunk)
	{
		if (_format == Format::Json)
		{
			// The keys in the order the Poco tree kept them.
			if (!_first) out += ',';
			out += "{\"id\":" + std::to_string(e.id) + ",\"created_at\":" + quote(Time::sqlToRfc3339(e.createdAt)) +
			       ",\"bytes\":" + std::to_string(e.bytes) + ",\"content\":" + quote(e.content) + "}";
		}
		else
		{
			// created_at is "YYYY-MM-DD HH:MM:SS.fff".
			const std::string written = e.createdAt.substr(0, 10);
			const std::string time = e.createdAt.substr(11, 8);
			out += "\n## ";
			if (written != _day) out += written + " ";
			out += time + " UTC\n\n";
			out += e.content;
			if (e.content.empty() || e.content.back() != '\n') out += '\n';
		}
		_first = false;
	}
	return out;
}

std::string MemoryDocument::Writer::end() const
{
	return _format == Format::Json ? "]}\n" : "";
}

std::string MemoryDocument::markdown(const std::string& agent, const std::string& day,
                                     const std::vector<Entry>& entries)
{
	Writer writer(Format::Markdown, agent, day);
	return writer.begin() + writer.entries(entries) + writer.end();
}

std::string MemoryDocument::fileName(const std::string& agent, const std::string& day, const std::string& extension)
{
	return agent + "-" + day + "." + extension;
}

} // namespace Memories
} // namespace Nexus
