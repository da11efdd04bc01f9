#include "vault/AuditKeys.h"

#include "vault/Keyring.h"
#include "vault/KeyringCache.h"

#include <memory>
#include <mutex>

namespace Nexus {
namespace Vault {

Audit::AuditKeyPtr AuditKeys::of(const Keyring& keyring)
{
	if (!keyring.hasMac()) return nullptr;
	auto key = std::make_shared<Audit::AuditKey>();
	key->rowKey = keyring.macSubkey("nexus-audit-row-v1");
	key->chainKey = keyring.macSubkey("nexus-audit-chain-v1");
	key->keyedFrom = keyring.auditKeyedFrom();
	return key;
}

Audit::AuditKeyPtr AuditKeys::current(const std::string& path)
{
	static std::mutex mutex;
	static std::shared_ptr<const Keyring> derivedFrom;
	static Audit::AuditKeyPtr derived;
	const auto keyring = KeyringCache::current(path);
	std::lock_guard<std::mutex> lock(mutex);
	if (keyring != derivedFrom)
	{
		derived = of(*keyring);
		derivedFrom = keyring;
	}
	return derived;
}

void AuditKeys::install(const std::string& path)
{
	Audit::KeySource::set([path] { return current(path); });
}

} // namespace Vault
} // namespace Nexus
