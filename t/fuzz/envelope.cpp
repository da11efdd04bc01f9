// Envelope::open (and keyId, format, rewrap) on any record, with the fixed
// keyring of FuzzKeys.h and the identity of secret 7, studio/db/password
// version 3. Input: a record. A record that opens must rewrap to one that
// opens to the same value.
//
// The seeds (t/fuzz/corpus/envelope) are records sealed with that keyring:
// NEXUS_FUZZ_SEAL_INTO=DIR makes the target write them into DIR at start.

#include "FuzzKeys.h"

#include "util/Wiper.h"
#include "vault/Envelope.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

using namespace Nexus::Vault;

namespace {

const std::string& identity()
{
	static const std::string id = Envelope::identity(7, "studio", "db/password", 3);
	return id;
}

void sealSeeds(const std::string& dir)
{
	const std::string values[] = {"", "s3cret", "a longer secret value with\nnewlines and \xc3\xa9",
	                              std::string("\0\1\2", 3)};
	int n = 0;
	for (const std::string& value : values)
	{
		std::ofstream out(dir + "/sealed-" + std::to_string(++n), std::ios::binary);
		out << Envelope::seal(NexusFuzz::keyring(), identity(), value);
	}
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
	if (const char* dir = std::getenv("NEXUS_FUZZ_SEAL_INTO")) sealSeeds(dir);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const std::string record(reinterpret_cast<const char*>(data), size);
	const Keyring& keyring = NexusFuzz::keyring();
	try
	{
		(void)Envelope::keyId(record);
		const unsigned char format = Envelope::format(record);
		std::string value = Envelope::open(keyring, identity(), record);
		Nexus::Wiper wiper(value);
		if (format != 1 && format != 2) std::abort();
		const std::string rewrapped = Envelope::rewrap(keyring, identity(), record);
		std::string again = Envelope::open(keyring, identity(), rewrapped);
		Nexus::Wiper againWiper(again);
		if (again != value || Envelope::format(rewrapped) != Envelope::kFormat) std::abort();
	}
	catch (const DecryptError&)
	{}
	catch (const KeyringError&)
	{}
	return 0;
}
