#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace Poco {
namespace Util {
class AbstractConfiguration;
}
} // namespace Poco

namespace Nexus {

struct SettingInfo;

/// A configuration problem found at start-up; the message names the key.
class ConfigError : public std::runtime_error
{
public:
	using std::runtime_error::runtime_error;
};

/// Where to find MySQL/MariaDB and how to log in. Its defaults are the db.*
/// rows of Settings::table(); a DbSettings outside a Settings is zeroed.
struct DbSettings
{
	std::string host;
	int port{};
	std::string socket; ///< unix socket path; when set, host, port and hosts are not used
	/// "host:port" of each server of a cluster, in the order a connection
	/// tries them (db.hosts); empty: host and port, the one server.
	std::vector<std::string> hosts;
	std::string name;
	std::string user;
	std::string password;
	int connectTimeoutS{};
	int readTimeoutS{};
	/// Prepared statements kept per connection (least recently used closed first).
	int statementCacheSize{};
};

/// Browser sign-in (src/sso): Nexus as an OpenID Connect relying party. Its
/// defaults are the sso.* rows of Settings::table(); an empty issuer turns
/// sign-in off (the /api/auth routes then answer 404, the validator
/// identifies nobody).
struct SsoSettings
{
	std::string issuer;
	std::string clientId;
	std::string clientSecret;
	/// The callback URL registered at the provider; empty: the request's
	/// origin + "/api/auth/callback".
	std::string redirectUri;
	std::string caFile;
	/// Shown as "Sign in with <name>"; empty: the issuer's host.
	std::string providerName;
	std::string scopes;
	/// Who may sign in (empty lists: anyone the provider authenticates) and
	/// who is an admin; a user is named by sub or a verified email (never
	/// preferred_username: not stable, not unique), a group as the groups
	/// claim lists it.
	std::vector<std::string> allowedUsers;
	std::vector<std::string> allowedGroups;
	std::vector<std::string> adminUsers;
	std::vector<std::string> adminGroups;
	std::string groupsClaim;
	int sessionIdleTimeoutS{};
	int sessionLifetimeS{};
	int clockLeewayS{};
	/// How often a worker deletes expired login states and sessions (seconds):
	/// on the first session lookup or login once this has passed.
	int purgeIntervalS{};

	bool enabled() const { return !issuer.empty(); }
};

/// Every setting of nexus-fcgi and nexusctl, typed and checked.
///
/// Each key is one row of table() (in Settings.cpp, nginx's command-table
/// way): its name, the member it sets, its kind, range and default. Parsing,
/// validation, the defaults and the refusal of unknown keys all come from
/// those rows, so a module that grows settings (SSO, caches, cluster) adds a
/// member here (or a struct of its own, as db is) and a row to the table,
/// never a code path; conf/app.properties documents the key, and a unit test
/// fails until it does.
///
/// Sources, later ones winning: the table's defaults (a default-constructed
/// Settings holds them), the property file, NEXUS_* environment variables
/// (key "server.workers" -> NEXUS_SERVER_WORKERS; "db.password" ->
/// NEXUS_DB_PASSWORD) and, for the admin token, NEXUS_ADMIN_TOKEN.
struct Settings
{
	/// The table's defaults. A default its own row refuses is a bug in the
	/// table: std::logic_error (so the first unit test to run finds it).
	Settings();

	std::string socketPath;
	int socketMode{};
	int workers{};
	int threads{};
	int backlog{};
	int maxRequests{};
	int maxRequestsJitter{};
	int requestTimeoutMs{};
	/// A request that waited longer than this (ms) between nginx and a
	/// worker thread is answered 503 overloaded at once; 0: never.
	int queueTimeoutMs{};
	int drainTimeoutMs{};
	std::size_t maxBodyBytes{};
	/// How long (seconds) the first answer to a request with an
	/// Idempotency-Key is kept for its retries (src/idempotency).
	int idempotencyRetentionS{};

	DbSettings db;
	SsoSettings sso;

	/// SHA-256 hex of the admin token; empty when none is configured (admin
	/// routes then refuse every caller). The token itself is not kept.
	std::string adminTokenHash;
	/// The file holding that hash (auth.admin_token_hash_file; "" none): what
	/// `nexusctl admin-token rotate` writes and a reload reads again.
	std::string adminTokenHashFile;
	/// How long a worker reuses a token lookup (ms; 0: off): an active
	/// token's principal, and "no such token" (see auth/Authenticator.h).
	int tokenCacheMs{};
	int tokenNegativeCacheMs{};
	/// How often a worker writes the last_used_at of the agent tokens it
	/// saw (seconds): one statement per interval, never one per request.
	int tokenUsageFlushS{};

	int agentsOfflineAfterS{};
	/// The longest lifetime an agent token may get (?ttl=), and the one it
	/// gets without ?ttl= (seconds); 0: no cap, and no end unless asked.
	int agentsTokenMaxTtlS{};
	std::size_t agentsMaxHeartbeatBytes{};

	/// The vault keyring file (mode 0600; see src/vault/Keyring.h).
	std::string vaultKeyringFile;
	std::size_t vaultMaxValueBytes{};
	int vaultMaxVersions{};
	/// How long a worker reuses an agent's secret read lookup (ms; 0: off).
	int vaultCacheMs{};

	/// Largest content (bytes of markdown) of one knowledge entity.
	std::size_t knowledgeMaxContentBytes{};
	/// How long a worker reuses a knowledge list or search answer (ms; 0: off).
	int knowledgeCacheMs{};

	/// Largest memory entry (bytes of content) POST /api/memories/collect takes.
	std::size_t memoriesMaxEntryBytes{};

	/// Refuse profile writes that would carry warnings (422) instead of
	/// reporting them; the profile of an agent with no assignment ("" none).
	bool profilesStrict{};
	std::string profilesDefault;
	/// How long a worker reuses a profile read's answer (ms; 0: off).
	int profilesCacheMs{};

	/// How often the audit sealer runs, and how old an unsealed row must be
	/// before it is chained (rows commit slightly out of id order).
	int auditSealIntervalMs{};
	int auditSealDelayMs{};
	/// Refused authentications audited one by one per client address and
	/// minute before only the 10th, 100th, ... are (see audit/FailureThrottle.h).
	int auditAuthFailedPerMinute{};

	/// GET /admin/metrics without a token from a loopback address.
	bool metricsLocalWithoutToken{};

	std::string logLevel;
	/// One JSON line per request on stderr (request id, principal, route, status, duration).
	bool logRequests{};

	/// What load() found worth a warning (a deprecated key in use), one
	/// sentence each, naming keys, never a value: the caller logs them.
	std::vector<std::string> warnings;

	using Env = std::function<std::optional<std::string>(const std::string&)>;

	/// Reads the property file at path (empty: no file) and the environment.
	/// Throws ConfigError naming the key for an unknown key, a bad value, or an
	/// unreadable admin token (hash) file. Tools that need no admin token (nexusctl)
	/// pass readAdminToken = false and get an empty adminTokenHash.
	static Settings load(const std::string& path, const Env& env, bool readAdminToken = true);

	/// The largest property file read (far more than any real one).
	static constexpr std::size_t kMaxConfigFileBytes = 1 << 20;

	/// The text of the property file at path. Throws ConfigError when it
	/// cannot be read (missing, not a regular file, larger than
	/// kMaxConfigFileBytes).
	static std::string readFile(const std::string& path);

	/// Same as load() from text, the content of the property file at path
	/// (named in messages): a pool's master reads the file once and hands
	/// its workers the text it accepted (server/Supervisor).
	static Settings parse(const std::string& text, const std::string& path, const Env& env, bool readAdminToken = true);

	/// Same from an already-loaded configuration (unit tests).
	static Settings from(const Poco::Util::AbstractConfiguration& config, const Env& env, bool readAdminToken = true);

	/// The process environment.
	static std::optional<std::string> processEnv(const std::string& name);

	/// The environment variable that overrides key ("db.password" -> "NEXUS_DB_PASSWORD").
	static std::string envName(const std::string& key);

	/// The config file to use: NEXUS_CONFIG, else the packaged default.
	static std::string defaultPath(const Env& env);

	/// Every key, one row each, in the order they are read (which decides
	/// which error a file with several is refused with).
	static const std::vector<SettingInfo>& table();
};

/// How a row's text becomes its member, and what it must be. Values are
/// trimmed unless said otherwise; an empty value of a *File kind means no file.
enum class SettingKind
{
	String,             ///< text; min is its least length (1: "must not be empty")
	Path,               ///< an absolute path
	Choice,             ///< one of the row's choices
	Integer,            ///< decimal, in [min, max] (util/Integer.h: no '+', spaces or "1,6")
	OctalMode,          ///< a file mode: up to 4 octal digits, in [min, max]
	Boolean,            ///< true/yes/on/1 or false/no/off/0, in any case
	List,               ///< comma-separated words, each trimmed, empty ones dropped
	Secret,             ///< text taken as it is, not trimmed
	SecretFile,         ///< "<name>_file": a file, not world-readable, whose trimmed content
	                    ///< is the member; skipped when the key <name> itself is set
	AdminTokenFile,     ///< deprecated (the token in clear on disk): a file, not world-readable,
	                    ///< holding the admin token (at least min characters); the member gets its
	                    ///< SHA-256, and a warning is added. NEXUS_ADMIN_TOKEN, when set and not
	                    ///< empty, is the token instead. Read only when load()'s readAdminToken is true.
	AdminTokenHashFile, ///< an absolute path (or empty), the member; the file, not writable by group
	                    ///< or others, holds the admin token's SHA-256 (64 hex digits), which goes to
	                    ///< adminTokenHash. NEXUS_ADMIN_TOKEN, when set and not empty, wins; the file
	                    ///< is read only when load()'s readAdminToken is true. Refused together with
	                    ///< a set auth.admin_token_file.
};

/// The member a row sets: one of Settings (&Settings::workers) or one inside
/// a struct of Settings ({&Settings::db, &DbSettings::port}), of type
/// std::string, int, std::size_t, bool or std::vector<std::string> (a List;
/// any other does not compile). The
/// constructors are implicit so that a row can name the member directly.
class SettingMember
{
public:
	template <typename T>
	SettingMember(T Settings::*member):
	    _ref(std::in_place_type<Ref<T>>, [member](Settings& s) -> T& { return s.*member; })
	{}

	template <typename S, typename T>
	SettingMember(S Settings::*group, T S::*member):
	    _ref(std::in_place_type<Ref<T>>, [group, member](Settings& s) -> T& { return s.*group.*member; })
	{}

	/// The member in s, or nullptr when it is not a T.
	template <typename T> T* in(Settings& s) const
	{
		const auto* ref = std::get_if<Ref<T>>(&_ref);
		return ref ? &(*ref)(s) : nullptr;
	}

private:
	template <typename T> using Ref = std::function<T&(Settings&)>;

	std::variant<Ref<std::string>, Ref<int>, Ref<std::size_t>, Ref<bool>, Ref<std::vector<std::string>>> _ref;
};

/// One configuration key: a row of Settings::table().
struct SettingInfo
{
	std::string key;                       ///< as written in the file: "server.workers"
	SettingMember member;                  ///< what it sets
	SettingKind kind;                      ///< how (a kind that does not fit the member's type is a std::logic_error)
	long long min;                         ///< Integer, OctalMode: the range; String, AdminTokenFile: the least length
	long long max;                         ///< Integer, OctalMode
	std::string defaultValue;              ///< as it would be written in the file (conf/app.properties shows it)
	std::vector<std::string> choices = {}; ///< Choice: the values accepted, in the order the error lists them
};

} // namespace Nexus
