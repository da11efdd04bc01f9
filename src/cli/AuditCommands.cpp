// nexusctl audit ...
#include "audit/Sealer.h"
#include "audit/Verifier.h"
#include "cli/Commands.h"
#include "db/Database.h"

#include "audit/Chain.h"
#include "util/Integer.h"
#include "util/Time.h"

#include <Poco/Timestamp.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

namespace Nexus {
namespace Cli {

namespace {

const char* const kUsage = "usage: nexusctl audit COMMAND\n"
                           "\n"
                           "commands:\n"
                           "  verify [--head SEQ:HASH]\n"
                           "          walk the audit log's hash chain; exit 0 when intact, 1 naming the\n"
                           "          first broken row (\"audit chain broken at row ID (seq N): ...\"),\n"
                           "          3 when the check could not run (configuration, database). --head: a\n"
                           "          head recorded earlier (the sealer logs one after every pass) that\n"
                           "          the chain must still hold. A row left unsealed for much longer\n"
                           "          than the sealer takes is a broken row too\n"
                           "  seal    chain the rows older than audit.seal_delay_ms now (the workers\n"
                           "          do this every audit.seal_interval_ms anyway); exit 1 when a row\n"
                           "          was refused (its row MAC is missing or does not match its content)\n"
                           "  help    this text\n";

/// How long `seal` waits for a worker's sealer to finish its pass.
const int kSealLockWaitSeconds = 10;

const int kExitBroken = 1;
const int kExitUsage = 2;
const int kExitError = 3;

/// "SEQ:HASH" as --head gives it; nullopt when it is not that.
std::optional<std::pair<std::uint64_t, std::string>> parseHead(const std::string& text)
{
	const auto colon = text.find(':');
	if (colon == std::string::npos || colon == 0) return std::nullopt;
	const auto seq = parseInteger(text.substr(0, colon));
	const std::string hash = text.substr(colon + 1);
	if (!seq || *seq < 1 || !Audit::Chain::isHash(hash)) return std::nullopt;
	return std::make_pair(static_cast<std::uint64_t>(*seq), hash);
}

int verify(const Context& context, const std::optional<std::pair<std::uint64_t, std::string>>& head)
{
	const Settings settings = context.settings();
	context.connect();
	Audit::Verifier expected = Audit::Verifier::forSettings(settings.auditSealDelayMs, settings.auditSealIntervalMs,
	                                                        Audit::KeySource::current());
	if (head) expected.expectHead(head->first, head->second);
	const Audit::Verifier verifier = Audit::Verifier::verifyDatabase(expected);
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
	for (const auto& refused : pass.refused)
		std::cerr << "nexusctl: not chaining row " << refused.first << ": " << refused.second << std::endl;
	if (!pass.locked)
	{
		std::cerr << "nexusctl: another sealer held the lock for " << kSealLockWaitSeconds << " s; nothing done"
		          << std::endl;
		return kExitError;
	}
	std::cout << "sealed " << pass.sealed << " rows; the chain ends at seq " << pass.headSeq << std::endl;
	return pass.refused.empty() ? 0 : kExitBroken;
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
	std::optional<std::pair<std::uint64_t, std::string>> head;
	if (args.size() == 3 && args[0] == "verify" && args[1] == "--head") head = parseHead(args[2]);
	const bool usable = (args.size() == 1 && (args[0] == "verify" || args[0] == "seal")) || head;
	if (!usable)
	{
		if (args.size() == 3 && args[1] == "--head")
			std::cerr << "nexusctl: --head takes SEQ:HASH, the seq and 64 hex digits of a chain head\n";
		std::cerr << kUsage;
		return kExitUsage;
	}
	try
	{
		return args[0] == "verify" ? verify(context, head) : seal(context);
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
