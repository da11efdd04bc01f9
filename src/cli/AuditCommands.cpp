// nexusctl audit ...
#include "audit/Sealer.h"
#include "audit/Verifier.h"
#include "cli/Commands.h"
#include "db/Database.h"

#include <iostream>

namespace Nexus {
namespace Cli {

namespace {

const char* const kUsage = "usage: nexusctl audit COMMAND\n"
                           "\n"
                           "commands:\n"
                           "  verify  walk the audit log's hash chain; exit 0 when intact, 1 naming the\n"
                           "          first broken row (\"audit chain broken at row ID (seq N): ...\"),\n"
                           "          3 when the check could not run (configuration, database)\n"
                           "  seal    chain the rows older than audit.seal_delay_ms now (the workers\n"
                           "          do this every audit.seal_interval_ms anyway)\n"
                           "  help    this text\n";

/// How long `seal` waits for a worker's sealer to finish its pass.
const int kSealLockWaitSeconds = 10;

const int kExitBroken = 1;
const int kExitUsage = 2;
const int kExitError = 3;

int verify(const Context& context)
{
	context.connect();
	const Audit::Verifier verifier = Audit::Verifier::verifyDatabase();
	Db::Database::threadEnd();
	std::cout << verifier.summary();
	return verifier.intact() ? 0 : kExitBroken;
}

int seal(const Context& context)
{
	const Settings settings = context.settings();
	context.connect();
	const auto pass = Audit::Sealer::sealNow(settings.auditSealDelayMs, kSealLockWaitSeconds);
	Db::Database::threadEnd();
	if (!pass.locked)
	{
		std::cerr << "nexusctl: another sealer held the lock for " << kSealLockWaitSeconds << " s; nothing done"
		          << std::endl;
		return kExitError;
	}
	std::cout << "sealed " << pass.sealed << " rows; the chain ends at seq " << pass.headSeq << std::endl;
	return 0;
}

} // namespace

int audit(const Context& context)
{
	const auto& args = context.args;
	if (args.size() == 1 && (args[0] == "help" || args[0] == "--help" || args[0] == "-h"))
	{
		std::cout << kUsage;
		return 0;
	}
	if (args.size() != 1 || (args[0] != "verify" && args[0] != "seal"))
	{
		std::cerr << kUsage;
		return kExitUsage;
	}
	try
	{
		return args[0] == "verify" ? verify(context) : seal(context);
	}
	catch (const ConfigError& e)
	{
		std::cerr << "nexusctl: configuration error: " << e.what() << std::endl;
		return kExitError;
	}
	catch (const std::exception& e)
	{
		std::cerr << "nexusctl: audit " << args[0] << " failed: " << e.what() << std::endl;
		return kExitError;
	}
}

} // namespace Cli
} // namespace Nexus
