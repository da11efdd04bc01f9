#include "util/Hex.h"

#include <Poco/SHA2Engine.h>

namespace Nexus {

std::string Hex::encode(const unsigned char* data, std::size_t size)
{
	static const char* const kDigits = "0123456789abcdef";
	std::string out;
	out.reserve(size * 2);
	for (std::size_t i = 0; i < size; ++i)
	{
		out.push_back(kDigits[data[i] >> 4]);
		out.push_back(kDigits[data[i] & 15]);
	}
	return out;
}

std::string Hex::encode(const std::string& data)
{
	return encode(reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::string Digest::sha256Hex(const std::string& data)
{
	Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
	engine.update(data);
	const Poco::DigestEngine::Digest& digest = engine.digest();
	return Hex::encode(digest.data(), digest.size());
}

} // namespace Nexus
