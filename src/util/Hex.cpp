#include "util/Hex.h"

#include "util/Wiper.h"

#include <Poco/SHA2Engine.h>

#include <array>

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

std::string Digest::hmacSha256(const std::string& key, const std::string& data)
{
	// RFC 2104 over Poco::SHA2Engine by hand: Poco's HMACEngine needs the
	// engine's BLOCK_SIZE, which Poco 1.11's SHA2Engine does not declare.
	// The pads are key material and are wiped; reset() clears the engine.
	constexpr std::size_t kBlock = 64;
	std::array<unsigned char, kBlock> pad{};
	Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
	if (key.size() > kBlock)
	{
		engine.update(key);
		const Poco::DigestEngine::Digest& d = engine.digest();
		std::copy(d.begin(), d.end(), pad.begin());
	}
	else
		std::copy(key.begin(), key.end(), pad.begin());
	std::array<unsigned char, kBlock> inner{};
	for (std::size_t i = 0; i < kBlock; ++i) inner[i] = pad[i] ^ 0x36;
	engine.reset();
	engine.update(inner.data(), kBlock);
	engine.update(data);
	const Poco::DigestEngine::Digest innerDigest = engine.digest();
	for (std::size_t i = 0; i < kBlock; ++i) inner[i] = pad[i] ^ 0x5c; // now the outer pad
	engine.reset();
	engine.update(inner.data(), kBlock);
	engine.update(innerDigest.data(), innerDigest.size());
	const Poco::DigestEngine::Digest& mac = engine.digest();
	std::string out(mac.begin(), mac.end());
	engine.reset();
	Wiper::wipe(pad.data(), pad.size());
	Wiper::wipe(inner.data(), inner.size());
	return out;
}

std::string Digest::hmacSha256Hex(const std::string& key, const std::string& data)
{
	return Hex::encode(hmacSha256(key, data));
}

void Digest::appendNetstring(std::string& out, const std::string& field)
{
	out += std::to_string(field.size());
	out += ':';
	out += field;
	out += ',';
}

} // namespace Nexus
