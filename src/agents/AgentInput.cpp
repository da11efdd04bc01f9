#include "agents/AgentInput.h"

#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Request.h"
#include "http/Validate.h"

namespace Nexus {
namespace Agents {

Registration AgentInput::registration(const Http::Request& request)
{
	Http::Fields fields(Http::Json::parseObject(request), {"slug", "name", "scope"});
	Registration r;
	r.slug = fields.string("slug", 1, 63);
	if (!Http::Validate::slug(r.slug))
		throw Http::BadRequest("field 'slug' must be lower-case letters, digits and '-', starting with a letter or "
		                       "digit, at most 63 characters");
	r.name = fields.string("name", 1, kMaxNameChars);
	r.scope = fields.string("scope", 1, kMaxScopeChars);
	if (!Http::Validate::word(r.scope, kMaxScopeChars))
		throw Http::BadRequest("field 'scope' must be a short word: letters, digits, '_', '.' and '-'");
	return r;
}

HeartbeatReport AgentInput::heartbeat(const Http::Request& request, std::size_t maxBytes)
{
	if (request.body().size() > maxBytes)
		throw Http::PayloadTooLarge("a heartbeat body may be at most " + std::to_string(maxBytes) + " bytes");
	Http::Fields fields(Http::Json::parseObject(request, true), {"status", "version", "meta"});
	HeartbeatReport report;
	report.status = fields.optionalString("status", kMaxHeartbeatField);
	report.version = fields.optionalString("version", kMaxHeartbeatField);
	if (auto object = fields.optionalObject("meta")) report.metaJson = Http::Json::stringify(*object);
	return report;
}

} // namespace Agents
} // namespace Nexus
