// The keyring file parser (Keyring::parse, what Keyring::load reads after
// its file checks). Input: a keyring file's text. A keyring it accepts has
// an active key among its keys, every key 32 bytes.

#include "vault/Keyring.h"

#include <cstdlib>

using Nexus::Vault::Keyring;
using Nexus::Vault::KeyringError;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const std::string text(reinterpret_cast<const char*>(data), size);
	try
	{
		const Keyring keyring = Keyring::parse(text, "fuzz.keyring");
		if (keyring.size() == 0 || !keyring.has(keyring.activeId())) std::abort();
		for (std::uint32_t id : keyring.ids())
			if (id == 0 || keyring.key(id).size() != Keyring::kKeyBytes) std::abort();
		if (keyring.hasMac() && (keyring.auditKeyedFrom() == 0 || keyring.macSubkey("fuzz").size() != 32)) std::abort();
	}
	catch (const KeyringError&)
	{}
	return 0;
}
