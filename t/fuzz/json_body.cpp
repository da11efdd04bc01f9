// The JSON bodies of every resource, each through the function its handler
// calls (the parsing half, split from the store): the first input byte
// picks the resource, the rest is the body (t/fuzz/FuzzInput.h, Selected).
// Only HttpError may come out: anything else would be a 500.

#include "FuzzInput.h"

#include "agents/AgentInput.h"
#include "assignments/AssignmentInput.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Request.h"
#include "knowledge/KnowledgeInput.h"
#include "memories/MemoryInput.h"
#include "profiles/Profile.h"
#include "registry/ModelInput.h"
#include "registry/ModelStore.h"
#include "vault/VaultInput.h"

#include <functional>
#include <vector>

using namespace Nexus;

namespace {

using Parse = std::function<void(const Http::Request&)>;

const std::vector<Parse>& parsers()
{
	static const std::vector<Parse> all = {
	    // 0: POST /api/agents/register
	    [](const Http::Request& r) { (void)Agents::AgentInput::registration(r); },
	    // 1: POST /api/agents/:slug/heartbeat (agents.max_heartbeat_bytes' default)
	    [](const Http::Request& r) { (void)Agents::AgentInput::heartbeat(r, 4096); },
	    // 2: POST /api/memories/collect
	    [](const Http::Request& r) { (void)Memories::MemoryInput::collect(r, 65536); },
	    // 3: PUT /api/assignments/:slug
	    [](const Http::Request& r) { (void)Assignments::AssignmentInput::profileName(r); },
	    // 4: POST /api/profiles
	    [](const Http::Request& r) { (void)Profiles::ProfileJson::parseCreate(Http::Json::parseObject(r)); },
	    // 5: PATCH /api/profiles/:name
	    [](const Http::Request& r) { (void)Profiles::ProfileJson::parseUpdate(Http::Json::parseObject(r)); },
	    // 6: POST /api/registry/models
	    [](const Http::Request& r) { (void)Registry::ModelInput::parse(Http::Json::parseObject(r)); },
	    // 7: PUT /api/knowledge/server/gpu-box-1, JSON
	    [](const Http::Request& r) {
		    (void)Knowledge::KnowledgeInput::entity(r, {"server", "gpu-box-1"}, Knowledge::Limits());
	    },
	    // 8: POST /api/vault/secrets (vault.max_value_bytes' default)
	    [](const Http::Request& r) { (void)Vault::VaultInput::create(r, 65536); },
	    // 9: PUT /api/vault/secrets/:id
	    [](const Http::Request& r) { (void)Vault::VaultInput::update(r, 65536); },
	};
	return all;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	const NexusFuzz::Selected input(data, size, parsers().size());
	Http::Request request("POST", "/fuzz");
	request.setHeader("content-type", "application/json");
	request.setBody(input.rest);
	try
	{
		parsers()[input.which](request);
	}
	catch (const Http::HttpError&)
	{}
	return 0;
}
