#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace Poco {
namespace Util {
class AbstractConfiguration;
}
} // namespace Poco

namespace Nexus {

/// A configuration problem found at start-up; the message names the key.
class ConfigError : public std::runtime_error
{
public:
	using std::runtime_error::runtime_error;
};

/// Where to find MySQL/MariaDB and how to log in.
struct DbSettings
{
	std::string host = "localhost";
	int port = 3306;
	std::string socket; ///< unix socket path; when set, host and port are not used
	std::string name = "nexus";
	std::string user = "nexus";
	std::string password;
	int connectTimeoutS = 3;
	int readTimeoutS = 30;
};

/// Every setting of nexus-fcgi and nexusctl, typed and checked.
/// Sources, later ones winning: built-in defaults, the property file
/// (conf/app.properties documents each key), NEXUS_* environment variables
/// (key "server.workers" -> NEXUS_SERVER_WORKERS; "db.password" ->
/// NEXUS_DB_PASSWORD) and, for the admin token, NEXUS_ADMIN_TOKEN.
struct Settings
{
	std::string socketPath = "/run/nexus/nexus.sock";
	int socketMode = 0660;
	int workers = 2;
	int threads = 8;
	int backlog = 256;
	int maxRequests = 10000;
	int maxRequestsJitter = 1000;
	int requestTimeoutMs = 30000;
	int drainTimeoutMs = 10000;
	std::size_t maxBodyBytes = 1048576;

	DbSettings db;

	/// SHA-256 hex of the admin token; empty when none is configured (admin
	/// routes then refuse every caller). The token itself is not kept.
	std::string adminTokenHash;

	int agentsOfflineAfterS = 300;
	std::size_t agentsMaxHeartbeatBytes = 4096;

	/// The vault keyring file (mode 0600; see src/vault/Keyring.h).
	std::string vaultKeyringFile = "/var/lib/nexus/vault.keyring";
	std::size_t vaultMaxValueBytes = 65536;
	int vaultMaxVersions = 10;

	/// Largest content (bytes of markdown) of one knowledge entity.
	std::size_t knowledgeMaxContentBytes = 262144;

	/// Largest memory entry (bytes of content) POST /api/memories/collect takes.
	std::size_t memoriesMaxEntryBytes = 65536;

	/// Refuse profile writes that would carry warnings (422) instead of
	/// reporting them; the profile of an agent with no assignment ("" none).
	bool profilesStrict = false;
	std::string profilesDefault;

	/// How often the audit sealer runs, and how old an unsealed row must be
	/// before it is chained (rows commit slightly out of id order).
	int auditSealIntervalMs = 1000;
	int auditSealDelayMs = 500;

	/// GET /admin/metrics without a token from a loopback address.
	bool metricsLocalWithoutToken = true;

	std::string logLevel = "information";
	/// One JSON line per request on stderr (request id, principal, route, status, duration).
	bool logRequests = true;

	using Env = std::function<std::optional<std::string>(const std::string&)>;

	/// Reads the property file at path (empty: no file) and the environment.
	/// Throws ConfigError naming the key for an unknown key, a bad value, or an
	/// unreadable admin token file. Tools that need no admin token (nexusctl)
	/// pass readAdminToken = false and get an empty adminTokenHash.
	static Settings load(const std::string& path, const Env& env, bool readAdminToken = true);

	/// Same from an already-loaded configuration (unit tests).
	static Settings from(const Poco::Util::AbstractConfiguration& config, const Env& env, bool readAdminToken = true);

	/// The process environment.
	static std::optional<std::string> processEnv(const std::string& name);

	/// The environment variable that overrides key ("db.password" -> "NEXUS_DB_PASSWORD").
	static std::string envName(const std::string& key);

	/// The config file to use: NEXUS_CONFIG, else the packaged default.
	static std::string defaultPath(const Env& env);
};

} // namespace Nexus
