#pragma once

#include "config/Settings.h"

#include <ostream>
#include <string>
#include <vector>

namespace Nexus {
namespace Cli {

/// What every nexusctl command gets: the global options and its own arguments.
struct Context
{
	std::string configPath;        ///< resolved: --config, $NEXUS_CONFIG or the default
	std::string sqlDir;            ///< --sql-dir, $NEXUS_SQL_DIR or /usr/share/nexus/sql
	std::vector<std::string> args; ///< after the command word ("verify", ...)

	/// The settings (without the admin token, which no command needs).
	/// Throws ConfigError.
	Settings settings() const;
	/// Database::init + threadInit with the settings' database.
	void connect() const;
};

/// `nexusctl admin-token rotate`: a new admin token, printed once, its
/// SHA-256 written to auth.admin_token_hash_file; returns the exit code.
int adminToken(const Context& context);
/// `nexusctl vault ...`; returns the exit code.
int vault(const Context& context);
/// `nexusctl audit ...`; returns the exit code.
int audit(const Context& context);
/// `nexusctl knowledge ...` (import, export); returns the exit code.
int knowledge(const Context& context);

/// After `nexusctl migrate` has added secrets.mac (migration 11) to a
/// database that holds secrets: stamps their MACs under the keyring at
/// keyringPath when it has an integrity key, and says what it did on out.
/// Never throws: a keyring it cannot read is reported, not fatal.
void authenticateMigratedSecrets(const std::string& keyringPath, std::ostream& out);

} // namespace Cli
} // namespace Nexus
