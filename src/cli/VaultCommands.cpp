// nexusctl vault ...
#include "cli/Commands.h"

#include <iostream>

namespace Nexus {
namespace Cli {

int vault(const Context& context)
{
	std::cerr << "usage: nexusctl vault COMMAND (no vault commands yet)" << std::endl;
	(void)context;
	return 2;
}

} // namespace Cli
} // namespace Nexus
