#pragma once

// OpenSSL directly: Poco has no memory wipe that the compiler may not
// optimise away; OPENSSL_cleanse is one.
#include <openssl/crypto.h>

#include <cstddef>
#include <string>

namespace Nexus {

/// Overwrites a string's bytes (a key, a plaintext, a credential) when it
/// goes out of scope. The string must outlive the Wiper.
class Wiper
{
public:
	explicit Wiper(std::string& s): _s(s) {}
	~Wiper()
	{
		if (!_s.empty()) wipe(&_s[0], _s.size());
	}

	/// Overwrites size bytes at data now.
	static void wipe(void* data, std::size_t size)
	{
		if (size > 0) OPENSSL_cleanse(data, size);
	}
	Wiper(const Wiper&) = delete;
	Wiper& operator=(const Wiper&) = delete;

private:
	std::string& _s;
};

} // namespace Nexus
