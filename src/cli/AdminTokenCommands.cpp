// nexusctl admin-token: the admin token, of which only the SHA-256 is stored.

#include "audit/AuditLog.h"
#include "cli/Commands.h"
#include "db/Database.h"
#include "util/File.h"
#include "util/Hex.h"
#include "util/Random.h"
#include "util/Wiper.h"

#include <sys/stat.h>

#include <cerrno>
#include <iostream>

namespace Nexus {
namespace Cli {

namespace {

const char* const kUsage = "usage: nexusctl admin-token rotate\n"
                           "\n"
                           "  rotate   make a new admin token, write its SHA-256 to auth.admin_token_hash_file\n"
                           "           (atomically, keeping the file's mode and owner; a new file is 0640) and\n"
                           "           print the token once on stdout. The running pool takes it at its next\n"
                           "           reload (systemctl reload nexus, or SIGHUP to nexus-fcgi); until then the\n"
                           "           old token works. The rotation is audited (admin_token.rotate) when\n"
                           "           the database answers, and stands when it does not.\n";

/// The mode a new hash file gets: the service's group reads it, nobody else.
const mode_t kNewFileMode = 0640;

int rotate(const Context& context)
{
	const Settings settings = context.settings();
	const std::string& path = settings.adminTokenHashFile;
	if (path.empty())
	{
		std::cerr << "nexusctl: auth.admin_token_hash_file is not set (in " << context.configPath
		          << " or NEXUS_AUTH_ADMIN_TOKEN_HASH_FILE): set it to where the hash goes, e.g. "
		             "/etc/nexus/admin.token.sha256"
		          << std::endl;
		return 1;
	}
	AtomicWriteOptions options;
	options.mode = kNewFileMode;
	options.keepOwner = true;
	options.description = "admin token hash file";
	struct stat st = {};
	if (::stat(path.c_str(), &st) == 0)
		options.mode = st.st_mode & 07777 & ~mode_t(S_IWGRP | S_IWOTH); // the server refuses a writable one
	else if (errno != ENOENT)
		throw FileError("cannot stat admin token hash file " + path, path, errno);

	std::string token = Random::urlSafe(32);
	const Wiper wiper(token);
	// The hash is on disk before the token is shown: a failed write shows no token.
	writeFileAtomically(path, Digest::sha256Hex(token) + "\n", options);
	// Audited as a token change, but the rotation stands without it: a
	// leaked admin token must be replaceable while the database is down.
	try
	{
		context.connect();
		Audit::AuditLog::recordOperator("admin_token.rotate", "admin-token", Audit::Outcome::Ok);
		Db::Database::threadEnd();
	}
	catch (const std::exception& e)
	{
		std::cerr << "nexusctl: warning: the rotation is not in the audit log: " << e.what() << std::endl;
	}
	std::cout << token << std::endl;
	std::cerr << "nexusctl: the new admin token is above (shown this once; only its SHA-256 is kept, in " << path
	          << "). The running pool takes it at its next reload: systemctl reload nexus." << std::endl;
	if (Settings::processEnv("NEXUS_ADMIN_TOKEN"))
		std::cerr << "nexusctl: note: NEXUS_ADMIN_TOKEN is set here; a pool started with it set ignores the file."
		          << std::endl;
	return 0;
}

} // namespace

int adminToken(const Context& context)
{
	const auto& args = context.args;
	if (args.size() == 1 && args[0] == "rotate") return rotate(context);
	if (args.size() == 1 && (args[0] == "help" || args[0] == "--help"))
	{
		std::cout << kUsage;
		return 0;
	}
	std::cerr << kUsage;
	return 2;
}

} // namespace Cli
} // namespace Nexus
