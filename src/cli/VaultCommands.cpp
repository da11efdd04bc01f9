// nexusctl vault ...: the keyring file (init, rotate-key, status) and rewrap.
#include "audit/AuditStore.h"
#include "audit/Chain.h"
#include "cli/Commands.h"
#include "cli/Rewrap.h"
#include "db/Database.h"
#include "util/File.h"
#include "util/FileDescriptor.h"
#include "vault/AuditKeys.h"
#include "vault/Keyring.h"
#include "vault/KeyringCache.h"
#include "vault/VaultStore.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

namespace Nexus {
namespace Cli {

namespace {

const char* const kVaultUsage =
    "usage: nexusctl vault COMMAND [--keyring FILE]\n"
    "\n"
    "commands:\n"
    "  init        create the keyring file with its first key (never replaces a file)\n"
    "  rotate-key  add a new key and make it active; running workers pick it up within a second\n"
    "  rewrap      re-wrap every secret's data key under the active key\n"
    "  mac-key     add the integrity key that authenticates the audit log and the secrets'\n"
    "              versions and access lists (keyrings made by `init` have one): keys the\n"
    "              audit chain from its next row on and stamps every secret\n"
    "  status      the keyring file, its active key id, its number of keys (never key bytes),\n"
    "              the records under each key and the secrets failing their integrity check\n"
    "  help        this text\n"
    "\n"
    "The keyring file is FILE, else vault.keyring_file of the configuration.\n";

/// An exclusive flock on the keyring's directory, so that two commands that
/// change the keyring cannot interleave (the file itself is replaced by
/// rename, so it cannot carry the lock).
class KeyringLock
{
public:
	explicit KeyringLock(const std::string& keyringPath)
	{
		const std::string directory = parentDirectory(keyringPath);
		_directory = FileDescriptor(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		if (!_directory.valid())
		{
			const int error = errno;
			throw Vault::KeyringError("cannot open directory " + directory + ": " + std::strerror(error));
		}
		int result;
		do result = ::flock(_directory.get(), LOCK_EX);
		while (result != 0 && errno == EINTR);
		if (result != 0)
		{
			const int error = errno;
			throw Vault::KeyringError("cannot lock directory " + directory + ": " + std::strerror(error));
		}
	}

private:
	FileDescriptor _directory; ///< closing it releases the lock
};

int init(const std::string& path)
{
	KeyringLock lock(path);
	const Vault::Keyring keyring = Vault::Keyring::generate();
	keyring.create(path);
	std::cout << "created keyring " << path << " with key " << keyring.activeId() << std::endl;
	std::cout << "back it up apart from the database: without it no secret can be decrypted" << std::endl;
	return 0;
}

int rotateKey(const std::string& path)
{
	KeyringLock lock(path);
	Vault::Keyring keyring = Vault::Keyring::load(path);
	const std::uint32_t id = keyring.rotate();
	keyring.save(path);
	std::cout << "key " << id << " is now active in " << path << " (" << keyring.size() << " keys)" << std::endl;
	std::cout << "running workers pick it up within a second; `nexusctl vault rewrap` moves older records to it"
	          << std::endl;
	return 0;
}

/// How long mac-key holds the seal lock after writing the key: every
/// worker's keyring cache looks at the file again within one check interval.
const std::chrono::milliseconds kMacKeyWait = 3 * Vault::KeyringCache::kCheckInterval + std::chrono::seconds(2);
/// How long mac-key waits for a worker's sealer to finish its pass.
const int kMacKeyLockWaitSeconds = 30;

/// Adds the integrity key, keying the audit chain from the row after its
/// head. Under the seal lock, so that no row is chained meanwhile; the lock
/// is held until every worker has loaded the new keyring, and the rows
/// written without a row MAC until then get theirs from here.
int macKey(const Context& context, const std::string& path)
{
	KeyringLock lock(path);
	Vault::Keyring keyring = Vault::Keyring::load(path);
	if (keyring.hasMac())
	{
		std::cout << "the keyring " << path << " already has an integrity key; the audit chain is keyed from seq "
		          << keyring.auditKeyedFrom() << std::endl;
		return 0;
	}
	context.connect();
	// Held for the whole wait and then some: no worker seals meanwhile.
	Audit::AuditStore::SealLock sealLock(kMacKeyLockWaitSeconds,
	                                     static_cast<int>(kMacKeyWait.count()) + Audit::AuditStore::SealLock::kLeaseMs);
	if (!sealLock.acquired())
	{
		std::cerr << "nexusctl: a sealer held the audit seal lock for " << kMacKeyLockWaitSeconds << " s; nothing done"
		          << std::endl;
		return 3;
	}
	std::uint64_t headSeq = 0;
	{
		Db::Transaction tx;
		const auto head = Audit::AuditStore::lockHead();
		if (head) headSeq = head->seq.value_or(0);
		tx.commit();
	}
	keyring.addMac(headSeq + 1);
	keyring.save(path);
	std::cout << "added the integrity key to " << path << "; the audit chain is keyed from seq " << headSeq + 1
	          << std::endl;
	std::cout << "waiting " << kMacKeyWait.count() / 1000 << " s for the workers to load it" << std::endl;
	std::this_thread::sleep_for(kMacKeyWait);
	const auto key = Vault::AuditKeys::of(keyring);
	std::size_t adopted = 0;
	for (std::uint64_t after = 0;;)
	{
		const auto rows = Audit::AuditStore::unsealedAfter(after, 1000);
		for (const auto& row : rows)
			if (!row.rowMac && Audit::AuditStore::setRowMac(row.id, Audit::Chain::rowMac(key->rowKey, row))) ++adopted;
		if (rows.size() < 1000) break;
		after = rows.back().id;
	}
	std::cout << "gave " << adopted << " unsealed rows written meanwhile their row MAC" << std::endl;
	const auto stamped = Vault::VaultStore::stampUnauthenticated(keyring);
	std::cout << "authenticated " << stamped.size()
	          << " secrets: their current version and allowed profiles now carry a MAC" << std::endl;
	std::cout << "back the keyring up again: the audit log cannot be verified without its integrity key" << std::endl;
	return 0;
}

/// " 1 2 3", the first 20 ids and "..." after them.
std::string idList(const std::vector<std::uint64_t>& ids)
{
	std::string out;
	for (std::size_t i = 0; i < ids.size() && i < 20; ++i) out += " " + std::to_string(ids[i]);
	if (ids.size() > 20) out += " ...";
	return out;
}

int status(const Context& context, const std::string& path)
{
	const Vault::Keyring keyring = Vault::Keyring::load(path);
	std::cout << "keyring    " << path << std::endl;
	std::cout << "active key " << keyring.activeId() << std::endl;
	std::cout << "keys       " << keyring.size() << " (ids";
	for (std::uint32_t id : keyring.ids()) std::cout << ' ' << id;
	std::cout << ")" << std::endl;
	std::cout << "integrity  "
	          << (keyring.hasMac() ? "audit chain keyed from seq " + std::to_string(keyring.auditKeyedFrom())
	                               : std::string("none: the audit log is not keyed (nexusctl vault mac-key)"))
	          << std::endl;
	// What the database holds under each key (what a rewrap still has to move).
	try
	{
		context.connect();
		for (const auto& [key, count] : Vault::VaultStore::countsByKey())
			std::cout << "records    key " << key.first << ", format " << key.second << ": " << count
			          << (keyring.has(key.first) ? "" : " (key not in this keyring)") << std::endl;
		if (keyring.hasMac())
		{
			const auto failing = Vault::VaultStore::failingIntegrity(keyring);
			std::cout << "secrets    "
			          << (failing.empty()
			                  ? "every secret passes its integrity check"
			                  : std::to_string(failing.size()) + " fail their integrity check (ids" + idList(failing) +
			                        "): replace each with a PUT of value and "
			                        "allowed_profiles")
			          << std::endl;
		}
	}
	catch (const std::exception& e)
	{
		std::cout << "records    unknown: " << e.what() << std::endl;
	}
	return 0;
}

} // namespace

void authenticateMigratedSecrets(const std::string& keyringPath, std::ostream& out)
{
	try
	{
		const Vault::Keyring keyring = Vault::Keyring::load(keyringPath);
		if (!keyring.hasMac())
		{
			out << "secrets are not authenticated: the keyring " << keyringPath
			    << " has no integrity key (nexusctl vault mac-key adds one)" << std::endl;
			return;
		}
		const auto stamped = Vault::VaultStore::stampUnauthenticated(keyring);
		out << "authenticated " << stamped.size() << " existing secrets with the keyring's integrity key" << std::endl;
	}
	catch (const std::exception& e)
	{
		out << "could not authenticate the existing secrets (" << e.what()
		    << "): their reads fail until `nexusctl vault mac-key` or a PUT of each" << std::endl;
	}
}

int vault(const Context& context)
{
	const std::vector<std::string>& args = context.args;
	if (args.empty())
	{
		std::cerr << kVaultUsage;
		return 2;
	}
	const std::string& command = args[0];
	if (command == "help" || command == "-h" || command == "--help")
	{
		std::cout << kVaultUsage;
		return 0;
	}
	if (command == "rewrap") return rewrap(context);

	std::string keyringPath;
	for (std::size_t i = 1; i < args.size(); ++i)
	{
		if (args[i] == "--keyring" && i + 1 < args.size())
			keyringPath = args[++i];
		else if (args[i].rfind("--keyring=", 0) == 0)
			keyringPath = args[i].substr(10);
		else
		{
			std::cerr << kVaultUsage;
			return 2;
		}
	}
	if (command != "init" && command != "rotate-key" && command != "status" && command != "mac-key")
	{
		std::cerr << kVaultUsage;
		return 2;
	}
	if (keyringPath.empty()) keyringPath = context.settings().vaultKeyringFile;

	if (command == "init") return init(keyringPath);
	if (command == "rotate-key") return rotateKey(keyringPath);
	if (command == "mac-key") return macKey(context, keyringPath);
	return status(context, keyringPath);
}

} // namespace Cli
} // namespace Nexus
