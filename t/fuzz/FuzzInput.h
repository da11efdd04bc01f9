#pragma once
// How the fuzz targets read their input (t/fuzz/README.md has the formats).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace NexusFuzz {

/// The input as text (any bytes, NUL included).
inline std::string text(const std::uint8_t* data, std::size_t size)
{
	return std::string(reinterpret_cast<const char*>(data), size);
}

/// A request's FastCGI params and body: "NAME=value" lines up to the first
/// empty line, then the body, byte for byte.
struct CgiInput
{
	std::vector<std::string> params;
	std::string body;

	explicit CgiInput(const std::string& in)
	{
		std::size_t start = 0;
		while (start < in.size())
		{
			std::size_t end = in.find('\n', start);
			if (end == std::string::npos) end = in.size();
			if (end == start)
			{
				body = in.substr(end + 1 <= in.size() ? end + 1 : in.size());
				return;
			}
			params.push_back(in.substr(start, end - start));
			start = end + 1;
		}
	}

	/// The params as a NULL-terminated array (FCGX_Request::envp); valid
	/// while this input lives.
	std::vector<const char*> envp() const
	{
		std::vector<const char*> out;
		for (const auto& p : params) out.push_back(p.c_str());
		out.push_back(nullptr);
		return out;
	}
};

/// The first byte picks one of count parsers; the rest is the parser's input.
struct Selected
{
	std::size_t which = 0;
	std::string rest;

	Selected(const std::uint8_t* data, std::size_t size, std::size_t count)
	{
		if (size == 0) return;
		which = data[0] % count;
		rest.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
	}
};

} // namespace NexusFuzz
