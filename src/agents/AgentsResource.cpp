#include "agents/AgentsResource.h"

#include "agents/AgentInput.h"
#include "agents/AgentStore.h"
#include "agents/AgentsPage.h"
#include "assignments/AssignmentStore.h"
#include "audit/AuditLog.h"
#include "auth/Token.h"
#include "config/Settings.h"
#include "db/GroupCommit.h"
#include "http/Html.h"
#include "http/HttpError.h"
#include "http/Json.h"
#include "http/Pagination.h"
#include "http/Validate.h"
#include "idempotency/Idempotency.h"
#include "metrics/Invalidation.h"
#include "profiles/ProfilesResource.h"
#include "routing/Router.h"
#include "ui/Page.h"
#include "util/Integer.h"
#include "util/Time.h"

#include <Poco/JSON/Parser.h>

#include <map>

namespace Nexus {
namespace Agents {

using Auth::Access;
using Http::Request;
using Http::Response;

namespace {

const int kMaxGraceSeconds = 7 * 24 * 3600;
/// The longest ?ttl= without agents.token_max_ttl_s: ten years.
const long long kMaxTtlSeconds = 10LL * 365 * 24 * 3600;

/// Whether the agent's last heartbeat is younger than agents.offline_after_s.
bool isOnline(const Agent& a, const Settings& settings)
{
	if (!a.lastHeartbeatAt) return false;
	return Time::fromSql(*a.lastHeartbeatAt).elapsed() <
	       Poco::Timestamp::TimeDiff(settings.agentsOfflineAfterS) * Poco::Timestamp::resolution();
}

Poco::JSON::Object::Ptr toJson(const Agent& a, const Settings& settings)
{
	auto o = Http::Json::object();
	o->set("slug", a.slug);
	o->set("name", a.name);
	o->set("scope", a.scope);
	o->set("created_at", Time::sqlToRfc3339(a.createdAt));
	if (a.lastHeartbeatAt)
		o->set("last_heartbeat_at", Time::toRfc3339(Time::fromSql(*a.lastHeartbeatAt)));
	else
		o->set("last_heartbeat_at", Poco::Dynamic::Var());
	o->set("status", isOnline(a, settings) ? "online" : "offline");
	if (a.lastHeartbeatAt)
	{
		auto hb = Http::Json::object();
		hb->set("status", Http::Json::nullable(a.heartbeatStatus));
		hb->set("version", Http::Json::nullable(a.heartbeatVersion));
		if (a.heartbeatMeta)
			hb->set("meta", Poco::JSON::Parser().parse(*a.heartbeatMeta));
		else
			hb->set("meta", Poco::Dynamic::Var());
		o->set("heartbeat", hb);
	}
	else
		o->set("heartbeat", Poco::Dynamic::Var());
	o->set("active_tokens", a.activeTokens);
	return o;
}

Response registerAgent(const Request& request, const Auth::Principal& principal, const Settings& settings)
{
	const Registration r = AgentInput::registration(request);
	// Public: every caller without a token is the one principal "anonymous"
	// for Idempotency-Key, which reveals nothing: a replay needs the same body.
	return Idempotency::Idempotency::once(request, principal, [&] {
		return Response::json(201, *toJson(AgentStore::create(r.slug, r.name, r.scope), settings));
	});
}

/// The agents page for a browser: one page of agents with their profiles
/// and, for an admin, their active tokens' hashes.
Response listAgentsPage(const Request& request, const Auth::Principal& principal, const Http::Page& page,
                        std::vector<Agent> agents, const Settings& settings)
{
	AgentsPageFacts facts{settings.agentsOfflineAfterS, settings.profilesDefault, ""};
	if (page.trim(agents)) facts.nextUrl = page.nextUrl(request, agents.back().slug);
	std::vector<AgentRow> rows;
	if (agents.empty()) return agentsPage(request, principal, rows, facts);
	// The page's agents are the first agents after the cursor, so their
	// assignments are among the first as many assignments after it.
	std::map<std::string, std::string> profiles;
	for (const auto& a : Assignments::AssignmentStore::list(agents.size(), page.after(), std::nullopt))
		profiles[a.agent] = a.profileName;
	std::map<std::string, std::vector<TokenInfo>> tokens;
	if (Ui::isAdmin(principal))
		for (auto& t : AgentStore::activeTokens(page.after(), agents.back().slug)) tokens[t.slug].push_back(t);
	for (auto& a : agents)
	{
		AgentRow row{a, isOnline(a, settings), std::nullopt, {}};
		if (auto p = profiles.find(a.slug); p != profiles.end()) row.profile = p->second;
		if (auto t = tokens.find(a.slug); t != tokens.end()) row.tokens = std::move(t->second);
		rows.push_back(std::move(row));
	}
	return agentsPage(request, principal, rows, facts);
}

Response listAgents(const Request& request, const Auth::Principal& principal, const Settings& settings)
{
	const auto page = Http::Page::from(request, {}, Http::Validate::slug);
	auto agents = AgentStore::list(page.fetch(), page.after());
	if (Http::Html::wanted(request)) return listAgentsPage(request, principal, page, std::move(agents), settings);
	Response response = page.respond(
	    std::move(agents), request, [&settings](const Agent& a) { return toJson(a, settings); },
	    [](const Agent& a) { return a.slug; });
	response.addHeader("Vary", "Accept, Authorization, Cookie");
	return response;
}

/// The heartbeat body. Throws PayloadTooLarge, UnsupportedMediaType, BadRequest.
HeartbeatReport readHeartbeat(const Request& request, const Settings& settings)
{
	return AgentInput::heartbeat(request, settings.agentsMaxHeartbeatBytes);
}

Response heartbeatDone(const std::string& slug, const Poco::Timestamp& at)
{
	auto o = Http::Json::object();
	o->set("slug", slug);
	o->set("last_heartbeat_at", Time::toRfc3339(at));
	o->set("status", "online");
	return Response::json(200, *o);
}

/// The route's :slug. One that no agent can have (a trailing space, which
/// MySQL's comparison would ignore; upper case; non-ASCII) names no agent:
/// 404 before any SQL, so it never reaches a query or an audit target.
const std::string& agentSlug(const Request& request)
{
	const std::string& slug = request.pathParam("slug");
	if (!Http::Validate::slug(slug)) throw Http::NotFound("no agent '" + slug + "'");
	return slug;
}

Response heartbeat(const Request& request, const Settings& settings)
{
	const std::string& slug = agentSlug(request);
	const HeartbeatReport report = readHeartbeat(request, settings);
	auto at = AgentStore::heartbeat(slug, report);
	if (!at) throw Http::NotFound("no agent '" + slug + "'");
	return heartbeatDone(slug, *at);
}

/// The heartbeats with an agent token that this process's threads send at
/// the same time: one statement and one commit for all of them.
Db::GroupCommit<BatchedHeartbeat>& heartbeats()
{
	static Db::GroupCommit<BatchedHeartbeat> groupCommit(AgentStore::heartbeatAll, AgentStore::heartbeatOne);
	return groupCommit;
}

/// The heartbeat is the hottest write: with an agent token, one UPDATE both
/// checks that the token is this agent's and records the beat, shared with
/// the beats other threads send meanwhile; the answer comes after the
/// commit. Anything else (bad body, wrong token, admin) declines to the
/// normal path.
std::optional<Response> heartbeatWithToken(const Request& request, const std::string& tokenHash,
                                           const Settings& settings, std::string& principal)
{
	BatchedHeartbeat beat;
	try
	{
		beat.report = readHeartbeat(request, settings);
	}
	catch (const Http::HttpError&)
	{
		return std::nullopt;
	}
	beat.slug = request.pathParam("slug");
	// No agent has another slug (and the batch's SQL wants ASCII).
	if (!Http::Validate::slug(beat.slug)) return std::nullopt;
	beat.tokenHash = tokenHash;
	heartbeats().commit(beat);
	if (!beat.at) return std::nullopt;
	principal = "agent:" + beat.slug;
	return heartbeatDone(beat.slug, *beat.at);
}

/// The lifetime a new token gets: ?ttl= (1 up to agents.token_max_ttl_s, or
/// kMaxTtlSeconds without a cap), else the cap (0: no end).
long long tokenLifetime(const Request& request, const Settings& settings)
{
	const long long cap = settings.agentsTokenMaxTtlS;
	const auto ttlText = request.query("ttl");
	if (!ttlText) return cap;
	const long long most = cap > 0 ? cap : kMaxTtlSeconds;
	const long long ttl = parseInteger(*ttlText).value_or(-1);
	if (ttl < 1 || ttl > most)
		throw Http::BadRequest("query parameter 'ttl' must be a number of seconds from 1 to " + std::to_string(most) +
		                       (cap > 0 ? " (agents.token_max_ttl_s)" : ""));
	return ttl;
}

Poco::Dynamic::Var optionalTime(const std::optional<Poco::Timestamp>& t)
{
	return t ? Poco::Dynamic::Var(Time::toRfc3339(*t)) : Poco::Dynamic::Var();
}

Poco::Dynamic::Var optionalSqlTime(const std::optional<std::string>& t)
{
	return t ? Poco::Dynamic::Var(Time::sqlToRfc3339(*t)) : Poco::Dynamic::Var();
}

Response issueToken(const Request& request, const Auth::Principal& principal, const Settings& settings)
{
	long long grace = 0;
	if (auto g = request.query("grace"))
	{
		grace = parseInteger(*g).value_or(-1);
		if (grace < 0 || grace > kMaxGraceSeconds)
			throw Http::BadRequest("query parameter 'grace' must be a number of seconds from 0 to " +
			                       std::to_string(kMaxGraceSeconds));
	}
	const long long ttl = tokenLifetime(request, settings);
	const std::string& slug = agentSlug(request);
	const bool keyed = request.header("idempotency-key").has_value();
	Response response = Idempotency::Idempotency::once(request, principal, [&] {
		// The token and its audit row are committed together, or neither is
		// (and with an Idempotency-Key, the key's row and sealed answer too).
		auto issued = AgentStore::issueToken(slug, static_cast<int>(grace), ttl,
		                                     Audit::Change(request, principal, "token.create"));
		if (!issued) throw Http::NotFound("no agent '" + slug + "'");
		auto o = Http::Json::object();
		o->set("slug", slug);
		o->set("token", issued->token);
		o->set("token_hash", issued->hash);
		o->set("created_at", Time::toRfc3339(issued->createdAt));
		o->set("expires_at", optionalTime(issued->expiresAt));
		o->set("previous_tokens_expire_at", optionalTime(issued->previousExpireAt));
		Response issuedResponse = Response::json(201, *o);
		issuedResponse.addHeader("Cache-Control", "no-store");
		return issuedResponse;
	});
	// issueToken bumped inside the keyed transaction, before its commit: a
	// worker may have reloaded the old tokens meanwhile, so bump once more.
	if (keyed) Invalidation::bump(Invalidation::Topic::Tokens);
	return response;
}

Response revokeToken(const Request& request, const Auth::Principal& principal)
{
	const std::string& hash = request.pathParam("tokenHash");
	if (!Auth::Token::isHash(hash))
		throw Http::BadRequest("tokenHash must be the 64 lower-case hex digits of the token's SHA-256");
	const std::string& slug = agentSlug(request);
	if (!AgentStore::revokeToken(slug, hash, Audit::Change(request, principal, "token.revoke")))
		throw Http::NotFound("agent '" + slug + "' has no token with that hash");
	return Response::noContent();
}

/// The cursor of a token list page: "<created_at DATETIME>|<hash>".
std::string tokenCursorOf(const TokenInfo& t)
{
	return t.createdAt + "|" + t.hash;
}

/// The cursor ?after= names; throws BadRequest for one no page of this list gave.
TokenCursor tokenCursor(const Http::Page& page)
{
	if (page.after().empty()) return {};
	const std::string& text = page.after();
	const auto bar = text.find('|');
	TokenCursor cursor;
	if (bar != std::string::npos)
	{
		cursor.createdAt = text.substr(0, bar);
		cursor.hash = text.substr(bar + 1);
	}
	bool valid = Auth::Token::isHash(cursor.hash) && cursor.createdAt.size() <= 32;
	for (unsigned char c : cursor.createdAt) valid = valid && c >= 0x20 && c < 0x7f;
	if (valid)
	{
		try
		{
			// Canonical DATETIME(3) text, whatever the parser let through.
			cursor.createdAt = Time::toSql(Time::fromSql(cursor.createdAt));
		}
		catch (const std::exception&)
		{
			valid = false;
		}
	}
	if (!valid) throw Http::BadRequest("query parameter 'after' is not a cursor of this list");
	return cursor;
}

/// GET /api/agents/:slug/tokens (admin): the agent's tokens, newest first,
/// by hash (the handle DELETE takes), never the token.
Response listTokens(const Request& request)
{
	const auto page = Http::Page::from(request, {});
	const TokenCursor after = tokenCursor(page);
	const std::string& slug = agentSlug(request);
	auto tokens = AgentStore::tokens(slug, page.fetch(), after);
	if (!tokens) throw Http::NotFound("no agent '" + slug + "'");
	const Poco::Timestamp now;
	Response response = page.respond(
	    std::move(*tokens), request,
	    [&now](const TokenInfo& t) {
		    auto o = Http::Json::object();
		    o->set("token_hash", t.hash);
		    o->set("created_at", Time::sqlToRfc3339(t.createdAt));
		    o->set("last_used_at", optionalSqlTime(t.lastUsedAt));
		    o->set("expires_at", optionalSqlTime(t.expiresAt));
		    const bool expired = t.expiresAt && Time::fromSql(*t.expiresAt) <= now;
		    o->set("status", expired ? "expired" : "active");
		    return o;
	    },
	    tokenCursorOf);
	response.addHeader("Cache-Control", "no-store");
	return response;
}

/// Whether principal sees an agent's whole configuration: the agent itself,
/// the admin token or a signed-in admin.
bool seesEverything(const Auth::Principal& principal, const std::string& slug)
{
	if (principal.isAdmin()) return true;
	if (principal.isAgent()) return principal.name == slug;
	return principal.isUser() && principal.role == Auth::Principal::Role::Admin;
}

/// What anyone may know of an agent's configuration: who it is, its
/// profile's name and its models in routing order; no gateway, parameters,
/// registry facts or anything else of the profile.
Poco::JSON::Object::Ptr publicPart(const Poco::JSON::Object& full, const Agent& agent)
{
	auto o = Http::Json::object();
	auto who = Http::Json::object();
	who->set("slug", agent.slug);
	who->set("name", agent.name);
	o->set("agent", who);
	const auto profile = full.getObject("profile");
	if (profile)
	{
		auto named = Http::Json::object();
		named->set("name", profile->getValue<std::string>("name"));
		o->set("profile", named);
	}
	else
		o->set("profile", Poco::Dynamic::Var());
	Poco::JSON::Array::Ptr models = new Poco::JSON::Array;
	if (const auto all = full.getArray("models"))
		for (std::size_t i = 0; i < all->size(); ++i)
		{
			const auto entry = all->getObject(static_cast<unsigned>(i));
			auto m = Http::Json::object();
			m->set("role", entry->getValue<std::string>("role"));
			m->set("model", entry->getValue<std::string>("model"));
			models->add(m);
		}
	o->set("models", models);
	return o;
}

/// GET /api/agents/:slug/profile: the agent's effective configuration (its
/// profile and the registry facts of its models; never a secret or token)
/// for the agent itself and admins; the public part for anyone else.
Response agentProfile(const Request& request, const Auth::Principal& principal, const Settings& settings)
{
	const std::string& slug = agentSlug(request);
	auto agent = AgentStore::find(slug);
	if (!agent) throw Http::NotFound("no agent '" + slug + "'");
	auto summary = Http::Json::object();
	summary->set("slug", agent->slug);
	summary->set("name", agent->name);
	summary->set("scope", agent->scope);
	const auto full = Profiles::effectiveConfiguration(agent->id, summary, settings);
	Response response = Response::json(200, seesEverything(principal, slug) ? *full : *publicPart(*full, *agent));
	response.addHeader("Vary", "Authorization, Cookie");
	return response;
}

} // namespace

void registerRoutes(Routing::Router& router, const Settings& settings)
{
	router.add("GET", "/api/agents", Access::SignedIn,
	           [&settings](const Request& r, const Auth::Principal& p) { return listAgents(r, p, settings); });
	router.add("POST", "/api/agents/register", Access::Public,
	           [&settings](const Request& r, const Auth::Principal& p) { return registerAgent(r, p, settings); });
	router.add("GET", "/api/agents/:slug/profile", Access::Open,
	           [&settings](const Request& r, const Auth::Principal& p) { return agentProfile(r, p, settings); });
	router.add("GET", "/api/agents/:slug/tokens", Access::Admin,
	           [](const Request& r, const Auth::Principal&) { return listTokens(r); });
	router.add("POST", "/api/agents/:slug/heartbeat", Access::AgentSelf,
	           [&settings](const Request& r, const Auth::Principal&) { return heartbeat(r, settings); });
	router.setVerifiedFastPath("POST", "/api/agents/:slug/heartbeat",
	                           [&settings](const Request& r, const std::string& tokenHash, std::string& principal) {
		                           return heartbeatWithToken(r, tokenHash, settings, principal);
	                           });
	router.add("PUT", "/api/agents/:slug/token", Access::Admin,
	           [&settings](const Request& r, const Auth::Principal& p) { return issueToken(r, p, settings); });
	router.add("DELETE", "/api/agents/:slug/token/:tokenHash", Access::Admin,
	           [](const Request& r, const Auth::Principal& p) { return revokeToken(r, p); });
}

} // namespace Agents
} // namespace Nexus
