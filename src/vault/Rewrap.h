#pragma once

namespace Nexus {
namespace Cli {
struct Context;
}

namespace Vault {

/// `nexusctl vault rewrap`: re-wraps every secret version not under the active key, in batches, printing progress.
int rewrap(const Cli::Context& context);

} // namespace Vault
} // namespace Nexus
