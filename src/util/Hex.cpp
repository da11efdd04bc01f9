#include "util/Hex.h"

#include <openssl/evp.h>

#include <stdexcept>

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
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int length = 0;
	if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
		throw std::runtime_error("sha256 failed");
	return Hex::encode(digest, length);
}

} // namespace Nexus
