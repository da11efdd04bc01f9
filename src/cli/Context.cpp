#include "cli/Commands.h"

#include "db/Database.h"

namespace Nexus {
namespace Cli {

Settings Context::settings() const
{
	return Settings::load(configPath, Settings::processEnv, false);
}

void Context::connect() const
{
	Db::Database::init(settings().db);
	Db::Database::threadInit();
}

} // namespace Cli
} // namespace Nexus
