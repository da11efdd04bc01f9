#pragma once

#include <openssl/crypto.h>

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
		if (!_s.empty()) OPENSSL_cleanse(&_s[0], _s.size());
	}
	Wiper(const Wiper&) = delete;
	Wiper& operator=(const Wiper&) = delete;

private:
	std::string& _s;
};

} // namespace Nexus
