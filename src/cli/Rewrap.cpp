#include "cli/Rewrap.h"

#include "audit/AuditLog.h"
#include "cli/Commands.h"
#include "vault/Envelope.h"
#include "vault/Keyring.h"
#include "vault/VaultStore.h"

#include <chrono>
#include <iostream>
#include <thread>

namespace Nexus {
namespace Cli {

using Vault::Envelope;
using Vault::Keyring;
using Vault::VaultStore;

namespace {

const std::size_t kBatch = 200;
/// Passes over the table at most. A worker may seal with a keyring up to a
/// second old (Vault::KeyringCache), so a version written under the old key
/// behind a pass's cursor is found by the next one.
const int kMaxPasses = 5;
/// How many of the versions left behind the last pass names.
const std::size_t kNamedLeft = 20;

/// What one pass did.
struct Pass
{
	std::uint64_t done = 0, skipped = 0, failed = 0;
};

/// One walk over every version not under active or not of format, by
/// (secret, version), rewrapping each; failures are reported and audited.
Pass rewrapPass(const Keyring& keyring, std::uint32_t active, unsigned char format, std::uint64_t total)
{
	Pass pass;
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
				// Changed meanwhile (a new value, another rewrap): the next pass looks again.
				if (VaultStore::replaceRecord(v, active, fresh))
					++pass.done;
				else
					++pass.skipped;
			}
			catch (const std::exception& e) // a damaged record or a key missing from the keyring
			{
				++pass.failed;
				Audit::AuditLog::recordOperator("secret.rewrap", "secret:" + std::to_string(v.secretId),
				                                Audit::Outcome::Error);
				std::cerr << "secret " << v.secretId << " version " << v.version << ": cannot rewrap: " << e.what()
				          << std::endl;
			}
		}
		std::cout << "rewrapped " << pass.done << " of " << total << " (" << pass.skipped << " changed meanwhile, "
		          << pass.failed << " failed)" << std::endl;
	}
	return pass;
}

} // namespace

int rewrap(const Context& context)
{
	const Settings settings = context.settings();
	const Keyring keyring = Keyring::load(settings.vaultKeyringFile);
	context.connect();
	const std::uint32_t active = keyring.activeId();
	const unsigned char format = Envelope::kFormat;
	std::uint64_t left = VaultStore::countNotUnder(active, format);
	std::cout << left << " secret versions are not under the active key " << active << " or not in record format "
	          << static_cast<int>(format) << std::endl;

	std::uint64_t done = 0;
	bool failures = false;
	// Again until nothing is left: what a pass skipped (changed meanwhile)
	// or a stale worker sealed behind its cursor is found by the next.
	for (int pass = 1; left > 0 && pass <= kMaxPasses; ++pass)
	{
		if (pass > 1)
		{
			std::cout << "pass " << pass << ": " << left << " left, looking again" << std::endl;
			std::this_thread::sleep_for(std::chrono::seconds(1));
		}
		const Pass result = rewrapPass(keyring, active, format, left);
		done += result.done;
		left = VaultStore::countNotUnder(active, format);
		if (result.failed > 0)
		{
			failures = true;
			// What failed fails again: only what the other writers changed is worth another pass.
			if (result.failed >= left) break;
		}
	}
	std::cout << "rewrapped " << done << "; " << left << " left under older keys or formats" << std::endl;
	if (left > 0)
	{
		const auto rest = VaultStore::versionsNotUnder(active, format, 0, 0, kNamedLeft);
		for (const auto& v : rest)
			std::cerr << "left behind: secret " << v.secretId << " version " << v.version << " (key " << v.keyId
			          << ", record format " << (v.record.empty() ? 0 : static_cast<unsigned char>(v.record[0])) << ")"
			          << std::endl;
		if (left > rest.size()) std::cerr << "... and " << left - rest.size() << " more" << std::endl;
	}
	const bool complete = left == 0 && !failures;
	Audit::AuditLog::recordOperator("vault.rewrap", "keyring:" + std::to_string(active),
	                                complete ? Audit::Outcome::Ok : Audit::Outcome::Error);
	return complete ? 0 : 1;
}

} // namespace Cli
} // namespace Nexus
