// nexusctl audit ...
#include "cli/Commands.h"

#include <iostream>

namespace Nexus {
namespace Cli {

int audit(const Context& context)
{
	std::cerr << "usage: nexusctl audit COMMAND (no audit commands yet)" << std::endl;
	(void)context;
	return 2;
}

} // namespace Cli
} // namespace Nexus
