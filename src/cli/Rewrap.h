#pragma once

namespace Nexus {
namespace Cli {

struct Context;

/// `nexusctl vault rewrap`: re-wraps every secret version not under the active key, and moves every record of an
/// older format to the current one (Envelope::rewrap), in batches, printing progress.
int rewrap(const Context& context);

} // namespace Cli
} // namespace Nexus
