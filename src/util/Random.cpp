#include "util/Random.h"

#include "util/Base64.h"
#include "util/Wiper.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace Nexus {

std::string Random::urlSafe(std::size_t bytes)
{
	// OpenSSL directly: Poco's RandomInputStream quietly falls back to a
	// non-cryptographic source when /dev/urandom cannot be read; RAND_bytes
	// fails instead.
	std::string raw(bytes, '\0');
	Wiper wipe(raw);
	if (RAND_bytes(reinterpret_cast<unsigned char*>(&raw[0]), static_cast<int>(bytes)) != 1)
		throw std::runtime_error("random generator failed");
	return Base64::encode(raw, Base64::kUrl);
}

} // namespace Nexus
