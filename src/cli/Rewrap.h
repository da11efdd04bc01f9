#pragma once

namespace Nexus {
namespace Cli {

struct Context;

/// `nexusctl vault rewrap`: re-wraps every secret version not under the active key, in batches, printing progress.
int rewrap(const Context& context);

} // namespace Cli
} // namespace Nexus
