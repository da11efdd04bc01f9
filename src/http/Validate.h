#pragma once

#include <string>

namespace Nexus {
namespace Http {

/// Shapes of identifiers shared by several resources.
class Validate
{
public:
	/// An agent slug: ^[a-z0-9][a-z0-9-]{0,62}$
	static bool slug(const std::string& s);
	/// A short word: ^[A-Za-z0-9][A-Za-z0-9_.-]{0,maxLength-1}$ (scopes, names).
	static bool word(const std::string& s, std::size_t maxLength);
	/// A short path of words: word characters and '/', starting with a letter
	/// or digit, no empty, "." or ".." segment, no trailing '/' (secret names).
	static bool path(const std::string& s, std::size_t maxLength);
	/// A routable model id "provider/model": two or more parts separated by
	/// '/', each of letters, digits, '.', '_', '-' and ':' and not "." or
	/// "..", at most 200 characters ("openai/gpt-4o", "ollama/llama3.1:8b",
	/// "openrouter/meta-llama/llama-3-70b"). Shared by profiles and the registry.
	static bool modelId(const std::string& s);
	static constexpr std::size_t kMaxModelIdLength = 200;
};

} // namespace Http
} // namespace Nexus
