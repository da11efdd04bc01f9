#include "config/Settings.h"

#include "util/Integer.h"
#include "util/Hex.h"

#include <Poco/AutoPtr.h>
#include <Poco/File.h>
#include <Poco/String.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace Nexus {

namespace {

const std::size_t kMinAdminTokenLength = 32;

/// The known keys; anything else in the file is a typo and refused.
const std::set<std::string> kKeys = {"server.socket",
                                     "server.socket_mode",
                                     "server.workers",
                                     "server.threads",
                                     "server.backlog",
                                     "server.max_requests",
                                     "server.max_requests_jitter",
                                     "server.request_timeout_ms",
                                     "server.drain_timeout_ms",
                                     "server.max_body_bytes",
                                     "db.host",
                                     "db.port",
                                     "db.socket",
                                     "db.name",
                                     "db.user",
                                     "db.password",
                                     "db.password_file",
                                     "db.connect_timeout_s",
                                     "db.read_timeout_s",
                                     "auth.admin_token_file",
                                     "agents.offline_after_s",
                                     "agents.max_heartbeat_bytes",
                                     "vault.keyring_file",
                                     "vault.max_value_bytes",
                                     "vault.max_versions",
                                     "knowledge.max_content_bytes",
                                     "memories.max_entry_bytes",
                                     "profiles.strict",
                                     "profiles.default",
                                     "audit.seal_interval_ms",
                                     "audit.seal_delay_ms",
                                     "metrics.local_without_token",
                                     "log.level",
                                     "log.requests"};

class Reader
{
public:
	Reader(const Poco::Util::AbstractConfiguration& config, const Settings::Env& env): _config(config), _env(env) {}

	std::optional<std::string> raw(const std::string& key) const
	{
		if (auto v = _env(Settings::envName(key))) return v;
		if (_config.hasProperty(key)) return _config.getRawString(key);
		return std::nullopt;
	}

	void string(const std::string& key, std::string& target) const
	{
		if (auto v = raw(key)) target = Poco::trim(*v);
	}

	template <typename T> void integer(const std::string& key, T& target, long long min, long long max) const
	{
		auto v = raw(key);
		if (!v) return;
		const std::string s = Poco::trim(*v);
		const bool octal = key == "server.socket_mode";
		const std::optional<long long> n = octal ? parseOctal(s) : parseInteger(s);
		if (!n || *n < min || *n > max)
		{
			std::ostringstream msg;
			msg << key << ": expected " << (octal ? "an octal mode" : "an integer") << " between " << min << " and "
			    << max << ", got '" << s << "'";
			throw ConfigError(msg.str());
		}
		target = static_cast<T>(*n);
	}

	/// true/false, yes/no, on/off, 1/0 (case-insensitive); anything else is refused.
	void boolean(const std::string& key, bool& target) const
	{
		auto v = raw(key);
		if (!v) return;
		const std::string s = Poco::toLower(Poco::trim(*v));
		if (s == "true" || s == "yes" || s == "on" || s == "1")
			target = true;
		else if (s == "false" || s == "no" || s == "off" || s == "0")
			target = false;
		else
			throw ConfigError(key + ": expected true or false, got '" + Poco::trim(*v) + "'");
	}

private:
	static std::optional<long long> parseOctal(const std::string& s)
	{
		if (s.empty() || s.size() > 4) return std::nullopt;
		long long n = 0;
		for (char c : s)
		{
			if (c < '0' || c > '7') return std::nullopt;
			n = n * 8 + (c - '0');
		}
		return n;
	}

	const Poco::Util::AbstractConfiguration& _config;
	const Settings::Env& _env;
};

std::string readSecretFile(const std::string& key, const std::string& path)
{
	struct stat st;
	if (::stat(path.c_str(), &st) != 0) throw ConfigError(key + ": cannot read '" + path + "'");
	if (st.st_mode & S_IROTH) throw ConfigError(key + ": '" + path + "' must not be world-readable (chmod o-rwx)");
	std::ifstream in(path);
	if (!in) throw ConfigError(key + ": cannot read '" + path + "'");
	std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	return Poco::trim(value);
}

/// SHA-256 of the admin token from NEXUS_ADMIN_TOKEN or auth.admin_token_file; "" for none.
std::string readAdminTokenHash(const Reader& r, const Settings::Env& env)
{
	if (auto token = env("NEXUS_ADMIN_TOKEN"); token && !token->empty())
	{
		if (token->size() < kMinAdminTokenLength)
			throw ConfigError("NEXUS_ADMIN_TOKEN: must be at least " + std::to_string(kMinAdminTokenLength) +
			                  " characters");
		return Digest::sha256Hex(*token);
	}
	auto file = r.raw("auth.admin_token_file");
	if (!file || Poco::trim(*file).empty()) return {};
	const std::string token = readSecretFile("auth.admin_token_file", Poco::trim(*file));
	if (token.size() < kMinAdminTokenLength)
		throw ConfigError("auth.admin_token_file: the token must be at least " + std::to_string(kMinAdminTokenLength) +
		                  " characters");
	return Digest::sha256Hex(token);
}

/// Refuses any key below prefix that is not in kKeys, naming it in full
/// (so "server.workers.max" is not mistaken for "server.workers").
void checkKeys(const Poco::Util::AbstractConfiguration& config, const std::string& prefix)
{
	Poco::Util::AbstractConfiguration::Keys keys;
	config.keys(prefix, keys);
	for (const auto& key : keys)
	{
		const std::string full = prefix.empty() ? key : prefix + "." + key;
		Poco::Util::AbstractConfiguration::Keys below;
		config.keys(full, below);
		if (!below.empty()) checkKeys(config, full);
		if ((below.empty() || config.hasProperty(full)) && !kKeys.count(full))
			throw ConfigError(full + ": unknown configuration key");
	}
}

} // namespace

std::string Settings::envName(const std::string& key)
{
	std::string name = "NEXUS_" + Poco::toUpper(key);
	for (char& c : name)
		if (c == '.') c = '_';
	return name;
}

std::optional<std::string> Settings::processEnv(const std::string& name)
{
	const char* v = std::getenv(name.c_str());
	if (!v) return std::nullopt;
	return std::string(v);
}

std::string Settings::defaultPath(const Env& env)
{
	if (auto p = env("NEXUS_CONFIG")) return *p;
	return "/etc/nexus/app.properties";
}

Settings Settings::load(const std::string& path, const Env& env, bool readAdminToken)
{
	if (path.empty())
		return from(*Poco::AutoPtr<Poco::Util::MapConfiguration>(new Poco::Util::MapConfiguration), env,
		            readAdminToken);
	Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> config;
	try
	{
		config = new Poco::Util::PropertyFileConfiguration(path);
	}
	catch (const Poco::Exception& e)
	{
		throw ConfigError("cannot read config file '" + path + "': " + e.displayText());
	}
	return from(*config, env, readAdminToken);
}

Settings Settings::from(const Poco::Util::AbstractConfiguration& config, const Env& env, bool readAdminToken)
{
	checkKeys(config, "");

	Settings s;
	Reader r(config, env);
	r.string("server.socket", s.socketPath);
	if (s.socketPath.empty() || s.socketPath[0] != '/') throw ConfigError("server.socket: must be an absolute path");
	r.integer("server.socket_mode", s.socketMode, 0, 0777);
	r.integer("server.workers", s.workers, 1, 256);
	r.integer("server.threads", s.threads, 1, 256);
	r.integer("server.backlog", s.backlog, 1, 65535);
	r.integer("server.max_requests", s.maxRequests, 0, 100000000);
	r.integer("server.max_requests_jitter", s.maxRequestsJitter, 0, 100000000);
	r.integer("server.request_timeout_ms", s.requestTimeoutMs, 100, 3600000);
	r.integer("server.drain_timeout_ms", s.drainTimeoutMs, 0, 3600000);
	r.integer("server.max_body_bytes", s.maxBodyBytes, 1024, 1073741824);

	r.string("db.host", s.db.host);
	r.integer("db.port", s.db.port, 1, 65535);
	r.string("db.socket", s.db.socket);
	r.string("db.name", s.db.name);
	r.string("db.user", s.db.user);
	if (s.db.name.empty()) throw ConfigError("db.name: must not be empty");
	if (s.db.user.empty()) throw ConfigError("db.user: must not be empty");
	if (auto password = r.raw("db.password"))
		s.db.password = *password;
	else if (auto file = r.raw("db.password_file"); file && !Poco::trim(*file).empty())
		s.db.password = readSecretFile("db.password_file", Poco::trim(*file));
	r.integer("db.connect_timeout_s", s.db.connectTimeoutS, 1, 300);
	r.integer("db.read_timeout_s", s.db.readTimeoutS, 1, 3600);

	if (readAdminToken) s.adminTokenHash = readAdminTokenHash(r, env);

	r.integer("agents.offline_after_s", s.agentsOfflineAfterS, 1, 31536000);
	r.integer("agents.max_heartbeat_bytes", s.agentsMaxHeartbeatBytes, 16, 1048576);

	r.string("vault.keyring_file", s.vaultKeyringFile);
	if (s.vaultKeyringFile.empty()) throw ConfigError("vault.keyring_file: must not be empty");
	r.integer("vault.max_value_bytes", s.vaultMaxValueBytes, 1, 16777216);
	r.integer("vault.max_versions", s.vaultMaxVersions, 1, 1000);
	r.integer("knowledge.max_content_bytes", s.knowledgeMaxContentBytes, 1024, 16777215);
	r.integer("memories.max_entry_bytes", s.memoriesMaxEntryBytes, 1, 16777215);
	r.boolean("profiles.strict", s.profilesStrict);
	r.string("profiles.default", s.profilesDefault);
	r.integer("audit.seal_interval_ms", s.auditSealIntervalMs, 50, 3600000);
	r.integer("audit.seal_delay_ms", s.auditSealDelayMs, 0, 3600000);

	r.boolean("metrics.local_without_token", s.metricsLocalWithoutToken);
	r.string("log.level", s.logLevel);
	r.boolean("log.requests", s.logRequests);
	static const std::set<std::string> kLevels = {"fatal",  "critical",    "error", "warning",
	                                              "notice", "information", "debug", "trace"};
	if (!kLevels.count(s.logLevel))
		throw ConfigError(
		    "log.level: expected one of fatal, critical, error, warning, notice, information, debug, trace");
	return s;
}

} // namespace Nexus
