// nexusctl vault ...: the keyring file (init, rotate-key, status) and rewrap.
#include "cli/Commands.h"
#include "cli/Rewrap.h"
#include "util/File.h"
#include "util/FileDescriptor.h"
#include "vault/Keyring.h"
#include "vault/VaultStore.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>

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
    "  status      the keyring file, its active key id and its number of keys (never key bytes)\n"
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

int status(const Context& context, const std::string& path)
{
	const Vault::Keyring keyring = Vault::Keyring::load(path);
	std::cout << "keyring    " << path << std::endl;
	std::cout << "active key " << keyring.activeId() << std::endl;
	std::cout << "keys       " << keyring.size() << " (ids";
	for (std::uint32_t id : keyring.ids()) std::cout << ' ' << id;
	std::cout << ")" << std::endl;
	// What the database holds under each key (what a rewrap still has to move).
	try
	{
		context.connect();
		for (const auto& [key, count] : Vault::VaultStore::countsByKey())
			std::cout << "records    key " << key.first << ", format " << key.second << ": " << count
			          << (keyring.has(key.first) ? "" : " (key not in this keyring)") << std::endl;
	}
	catch (const std::exception& e)
	{
		std::cout << "records    unknown: " << e.what() << std::endl;
	}
	return 0;
}

} // namespace

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
	if (command != "init" && command != "rotate-key" && command != "status")
	{
		std::cerr << kVaultUsage;
		return 2;
	}
	if (keyringPath.empty()) keyringPath = context.settings().vaultKeyringFile;

	if (command == "init") return init(keyringPath);
	if (command == "rotate-key") return rotateKey(keyringPath);
	return status(context, keyringPath);
}

} // namespace Cli
} // namespace Nexus
