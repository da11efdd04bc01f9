#include "audit/AuditKey.h"

#include "util/Wiper.h"

#include <utility>

namespace Nexus {
namespace Audit {

namespace {

std::function<AuditKeyPtr()>& source()
{
	static std::function<AuditKeyPtr()> function;
	return function;
}

} // namespace

AuditKey::~AuditKey()
{
	if (!rowKey.empty()) Wiper::wipe(&rowKey[0], rowKey.size());
	if (!chainKey.empty()) Wiper::wipe(&chainKey[0], chainKey.size());
}

void KeySource::set(std::function<AuditKeyPtr()> function)
{
	source() = std::move(function);
}

AuditKeyPtr KeySource::current()
{
	const auto& function = source();
	return function ? function() : nullptr;
}

} // namespace Audit
} // namespace Nexus
