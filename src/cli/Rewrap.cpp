#include "cli/Rewrap.h"

#include "audit/AuditLog.h"
#include "cli/Commands.h"
#include "vault/Envelope.h"
#include "vault/Keyring.h"
#include "vault/VaultStore.h"

#include <iostream>

namespace Nexus {
namespace Cli {

using Vault::Envelope;
using Vault::Keyring;
using Vault::VaultStore;

namespace {
const std::size_t kBatch = 200;
}

int rewrap(const Context& context)
{
	const Settings settings = context.settings();
	const Keyring keyring = Keyring::load(settings.vaultKeyringFile);
	context.connect();
	const std::uint32_t active = keyring.activeId();
	const unsigned char format = Envelope::kFormat;
	const std::uint64_t total = VaultStore::countNotUnder(active, format);
	std::cout << total << " secret versions are not under the active key " << active << " or not in record format "
	          << static_cast<int>(format) << std::endl;

	std::uint64_t done = 0, skipped = 0, failed = 0;
	std::uint64_t afterSecret = 0;
	std::uint32_t afterVersion = 0;
	for (;;)
	{
		const auto batch = VaultStore::versionsNotUnder(active, format, afterSecret, afterVersion, kBatch);
		if (batch.empty()) break;
		for (const auto& v : batch)
		{
			afterSecret = v.secretId;
			afterVersion = v.version;
			try
			{
				const std::string fresh =
				    Envelope::rewrap(keyring, Envelope::identity(v.secretId, v.scope, v.name, v.version), v.record);
				// Changed meanwhile (a new value, another rewrap): leave it to that writer.
				if (VaultStore::replaceRecord(v, active, fresh))
					++done;
				else
					++skipped;
			}
			catch (const std::exception& e) // a damaged record or a key missing from the keyring
			{
				++failed;
				Audit::AuditLog::recordOperator("secret.rewrap", "secret:" + std::to_string(v.secretId),
				                                Audit::Outcome::Error);
				std::cerr << "secret " << v.secretId << " version " << v.version << ": cannot rewrap: " << e.what()
				          << std::endl;
			}
		}
		std::cout << "rewrapped " << done << " of " << total << " (" << skipped << " changed meanwhile, " << failed
		          << " failed)" << std::endl;
	}
	std::cout << "rewrapped " << done << " of " << total << "; " << VaultStore::countNotUnder(active, format)
	          << " left under older keys or formats" << std::endl;
	Audit::AuditLog::recordOperator("vault.rewrap", "keyring:" + std::to_string(active),
	                                failed == 0 ? Audit::Outcome::Ok : Audit::Outcome::Error);
	return failed == 0 ? 0 : 1;
}

} // namespace Cli
} // namespace Nexus
