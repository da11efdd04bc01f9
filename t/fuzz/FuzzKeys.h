#pragma once
// A fixed keyring for the fuzz targets (never a real one): the seeds of
// t/fuzz/corpus/envelope are sealed with it.

#include "vault/Keyring.h"

namespace NexusFuzz {

/// Keys 1 and 2 (active), and an integrity key; every byte of each key the same.
inline const Nexus::Vault::Keyring& keyring()
{
	static const Nexus::Vault::Keyring keyring =
	    Nexus::Vault::Keyring::parse("active = 2\n"
	                                 "key.1 = AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n"
	                                 "key.2 = AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=\n"
	                                 "mac = AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=\n"
	                                 "mac.audit_from = 1\n",
	                                 "the fuzz keyring");
	return keyring;
}

} // namespace NexusFuzz
