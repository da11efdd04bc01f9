#include "util/Random.h"

#include "util/Base64.h"
#include "util/Wiper.h"

#include <openssl/rand.h>

#include <climits>
#include <stdexcept>

namespace Nexus {

std::string Random::urlSafe(std::size_t bytes)
{
	std::string raw(bytes, '\0');
	Wiper wipe(raw);
	if (bytes > 0) fill(reinterpret_cast<unsigned char*>(&raw[0]), bytes);
	return Base64::encode(raw, Base64::kUrl);
}

void Random::fill(unsigned char* out, std::size_t size)
{
	// OpenSSL directly: Poco's RandomInputStream quietly falls back to a
	// non-cryptographic source when /dev/urandom cannot be read; RAND_bytes
	// fails instead.
	if (size > static_cast<std::size_t>(INT_MAX) || RAND_bytes(out, static_cast<int>(size)) != 1)
		throw std::runtime_error("random generator failed");
}

} // namespace Nexus
