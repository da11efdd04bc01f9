#include "cli/Commands.h"

#include "db/Database.h"
#include "vault/AuditKeys.h"

namespace Nexus {
namespace Cli {

Settings Context::settings() const
{
	return Settings::load(configPath, Settings::processEnv, false);
}

void Context::connect() const
{
	const Settings current = settings();
	// The audit rows nexusctl writes carry their row MAC, as the workers' do.
	Vault::AuditKeys::install(current.vaultKeyringFile);
	Db::Database::init(current.db);
	Db::Database::threadInit();
}

} // namespace Cli
} // namespace Nexus
