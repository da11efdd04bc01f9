#include "config/Settings.h"

#include "util/File.h"
#include "util/Hex.h"
#include "util/Integer.h"
#include "util/Wiper.h"

#include <Poco/AutoPtr.h>
#include <Poco/String.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <sstream>

namespace Nexus {

namespace {

/// The environment variable that carries the admin token itself.
const char* const kAdminTokenEnv = "NEXUS_ADMIN_TOKEN";
/// A credential file larger than this is not a credential file.
const std::size_t kMaxSecretFileBytes = 65536;

using Kind = SettingKind;

/// A member of Settings::db.
template <typename T> SettingMember inDb(T DbSettings::*member)
{
	return {&Settings::db, member};
}

/// A member of Settings::sso.
template <typename T> SettingMember inSso(T SsoSettings::*member)
{
	return {&Settings::sso, member};
}

} // namespace

const std::vector<SettingInfo>& Settings::table()
{
	// Poco's log levels; a local static like the table, so both exist at the first call, however early.
	static const std::vector<std::string> kLogLevels = {"fatal",  "critical",    "error", "warning",
	                                                    "notice", "information", "debug", "trace"};
	static const std::vector<SettingInfo> kTable = {
	    // {key, member, kind, min, max, default[, choices]}: see SettingInfo
	    {"server.socket", &Settings::socketPath, Kind::Path, 0, 0, "/run/nexus/nexus.sock"},
	    {"server.socket_mode", &Settings::socketMode, Kind::OctalMode, 0, 0777, "0660"},
	    {"server.workers", &Settings::workers, Kind::Integer, 1, 256, "2"},
	    {"server.threads", &Settings::threads, Kind::Integer, 1, 256, "8"},
	    {"server.backlog", &Settings::backlog, Kind::Integer, 1, 65535, "4096"},
	    {"server.max_requests", &Settings::maxRequests, Kind::Integer, 0, 100000000, "100000"},
	    {"server.max_requests_jitter", &Settings::maxRequestsJitter, Kind::Integer, 0, 100000000, "10000"},
	    {"server.request_timeout_ms", &Settings::requestTimeoutMs, Kind::Integer, 100, 3600000, "30000"},
	    {"server.queue_timeout_ms", &Settings::queueTimeoutMs, Kind::Integer, 0, 3600000, "1000"},
	    {"server.drain_timeout_ms", &Settings::drainTimeoutMs, Kind::Integer, 0, 3600000, "10000"},
	    {"server.max_body_bytes", &Settings::maxBodyBytes, Kind::Integer, 1024, 1073741824, "1048576"},

	    {"http.idempotency_retention_s", &Settings::idempotencyRetentionS, Kind::Integer, 60, 31536000, "86400"},

	    {"db.host", inDb(&DbSettings::host), Kind::String, 0, 0, "localhost"},
	    {"db.port", inDb(&DbSettings::port), Kind::Integer, 1, 65535, "3306"},
	    {"db.socket", inDb(&DbSettings::socket), Kind::String, 0, 0, ""},
	    {"db.hosts", inDb(&DbSettings::hosts), Kind::List, 0, 0, ""},
	    {"db.name", inDb(&DbSettings::name), Kind::String, 1, 0, "nexus"},
	    {"db.user", inDb(&DbSettings::user), Kind::String, 1, 0, "nexus"},
	    {"db.password", inDb(&DbSettings::password), Kind::Secret, 0, 0, ""},
	    {"db.password_file", inDb(&DbSettings::password), Kind::SecretFile, 0, 0, ""},
	    {"db.connect_timeout_s", inDb(&DbSettings::connectTimeoutS), Kind::Integer, 1, 300, "3"},
	    {"db.read_timeout_s", inDb(&DbSettings::readTimeoutS), Kind::Integer, 1, 3600, "30"},
	    {"db.statement_cache_size", inDb(&DbSettings::statementCacheSize), Kind::Integer, 16, 4096, "256"},

	    {"auth.admin_token_file", &Settings::adminTokenHash, Kind::AdminTokenFile, 32, 0, ""},
	    {"auth.admin_token_hash_file", &Settings::adminTokenHashFile, Kind::AdminTokenHashFile, 0, 0, ""},
	    {"auth.token_cache_ms", &Settings::tokenCacheMs, Kind::Integer, 0, 60000, "1000"},
	    {"auth.token_negative_cache_ms", &Settings::tokenNegativeCacheMs, Kind::Integer, 0, 60000, "250"},
	    {"auth.token_usage_flush_s", &Settings::tokenUsageFlushS, Kind::Integer, 1, 3600, "60"},

	    {"sso.issuer", inSso(&SsoSettings::issuer), Kind::String, 0, 0, ""},
	    {"sso.client_id", inSso(&SsoSettings::clientId), Kind::String, 0, 0, ""},
	    {"sso.client_secret", inSso(&SsoSettings::clientSecret), Kind::Secret, 0, 0, ""},
	    {"sso.client_secret_file", inSso(&SsoSettings::clientSecret), Kind::SecretFile, 0, 0, ""},
	    {"sso.redirect_uri", inSso(&SsoSettings::redirectUri), Kind::String, 0, 0, ""},
	    {"sso.ca_file", inSso(&SsoSettings::caFile), Kind::String, 0, 0, ""},
	    {"sso.provider_name", inSso(&SsoSettings::providerName), Kind::String, 0, 0, ""},
	    {"sso.scopes", inSso(&SsoSettings::scopes), Kind::String, 1, 0, "openid profile email"},
	    {"sso.allowed_users", inSso(&SsoSettings::allowedUsers), Kind::List, 0, 0, ""},
	    {"sso.allowed_groups", inSso(&SsoSettings::allowedGroups), Kind::List, 0, 0, ""},
	    {"sso.admin_users", inSso(&SsoSettings::adminUsers), Kind::List, 0, 0, ""},
	    {"sso.admin_groups", inSso(&SsoSettings::adminGroups), Kind::List, 0, 0, ""},
	    {"sso.groups_claim", inSso(&SsoSettings::groupsClaim), Kind::String, 1, 0, "groups"},
	    {"sso.session_idle_timeout_s", inSso(&SsoSettings::sessionIdleTimeoutS), Kind::Integer, 60, 31536000, "28800"},
	    {"sso.session_lifetime_s", inSso(&SsoSettings::sessionLifetimeS), Kind::Integer, 60, 31536000, "86400"},
	    {"sso.clock_leeway_s", inSso(&SsoSettings::clockLeewayS), Kind::Integer, 0, 600, "60"},
	    {"sso.purge_interval_s", inSso(&SsoSettings::purgeIntervalS), Kind::Integer, 1, 86400, "60"},

	    {"agents.offline_after_s", &Settings::agentsOfflineAfterS, Kind::Integer, 1, 31536000, "300"},
	    {"agents.token_max_ttl_s", &Settings::agentsTokenMaxTtlS, Kind::Integer, 0, 315360000, "0"},
	    {"agents.max_heartbeat_bytes", &Settings::agentsMaxHeartbeatBytes, Kind::Integer, 16, 1048576, "4096"},

	    {"vault.keyring_file", &Settings::vaultKeyringFile, Kind::String, 1, 0, "/var/lib/nexus/vault.keyring"},
	    {"vault.max_value_bytes", &Settings::vaultMaxValueBytes, Kind::Integer, 1, 16777216, "65536"},
	    {"vault.max_versions", &Settings::vaultMaxVersions, Kind::Integer, 1, 1000, "10"},
	    {"vault.cache_ms", &Settings::vaultCacheMs, Kind::Integer, 0, 60000, "1000"},

	    {"knowledge.max_content_bytes", &Settings::knowledgeMaxContentBytes, Kind::Integer, 1024, 16777215, "262144"},
	    {"knowledge.cache_ms", &Settings::knowledgeCacheMs, Kind::Integer, 0, 60000, "1000"},
	    {"memories.max_entry_bytes", &Settings::memoriesMaxEntryBytes, Kind::Integer, 1, 16777215, "65536"},

	    {"profiles.strict", &Settings::profilesStrict, Kind::Boolean, 0, 0, "false"},
	    {"profiles.default", &Settings::profilesDefault, Kind::String, 0, 0, ""},
	    {"profiles.cache_ms", &Settings::profilesCacheMs, Kind::Integer, 0, 60000, "1000"},

	    {"audit.seal_interval_ms", &Settings::auditSealIntervalMs, Kind::Integer, 50, 3600000, "1000"},
	    {"audit.seal_delay_ms", &Settings::auditSealDelayMs, Kind::Integer, 0, 3600000, "500"},
	    {"audit.auth_failed_per_minute", &Settings::auditAuthFailedPerMinute, Kind::Integer, 0, 1000000, "10"},

	    {"metrics.local_without_token", &Settings::metricsLocalWithoutToken, Kind::Boolean, 0, 0, "true"},

	    {"log.requests", &Settings::logRequests, Kind::Boolean, 0, 0, "true"},
	    {"log.level", &Settings::logLevel, Kind::Choice, 0, 0, "information", kLogLevels},
	};
	return kTable;
}

namespace {

/// The row of key, or nullptr when key is not a configuration key.
const SettingInfo* find(const std::string& key)
{
	for (const auto& row : Settings::table())
		if (row.key == key) return &row;
	return nullptr;
}

/// Where a row's text comes from: the environment override, else the file.
class Source
{
public:
	Source(const Poco::Util::AbstractConfiguration& config, const Settings::Env& env, bool readAdminToken):
	    _config(config), _env(env), _readAdminToken(readAdminToken)
	{}

	std::optional<std::string> raw(const std::string& key) const
	{
		if (auto v = _env(Settings::envName(key))) return v;
		if (_config.hasProperty(key)) return _config.getRawString(key);
		return std::nullopt;
	}

	std::optional<std::string> env(const std::string& name) const { return _env(name); }

	bool readAdminToken() const { return _readAdminToken; }

private:
	const Poco::Util::AbstractConfiguration& _config;
	const Settings::Env& _env;
	bool _readAdminToken;
};

/// The member of row in s; a row whose kind does not fit its member's type is a bug in the table.
template <typename T> T& member(const SettingInfo& row, Settings& s)
{
	if (T* target = row.member.in<T>(s)) return *target;
	throw std::logic_error(row.key + ": the member does not fit the row's kind");
}

std::optional<long long> parseOctal(const std::string& s)
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

void setInteger(const SettingInfo& row, Settings& s, const std::string& text)
{
	const bool octal = row.kind == Kind::OctalMode;
	const std::optional<long long> n = octal ? parseOctal(text) : parseInteger(text);
	if (!n || *n < row.min || *n > row.max)
	{
		std::ostringstream msg;
		msg << row.key << ": expected " << (octal ? "an octal mode" : "an integer") << " between " << row.min << " and "
		    << row.max << ", got '" << text << "'";
		throw ConfigError(msg.str());
	}
	if (int* target = row.member.in<int>(s))
		*target = static_cast<int>(*n);
	else
		member<std::size_t>(row, s) = static_cast<std::size_t>(*n);
}

void setBoolean(const SettingInfo& row, Settings& s, const std::string& text)
{
	const std::string word = Poco::toLower(text);
	if (word == "true" || word == "yes" || word == "on" || word == "1")
		member<bool>(row, s) = true;
	else if (word == "false" || word == "no" || word == "off" || word == "0")
		member<bool>(row, s) = false;
	else
		throw ConfigError(row.key + ": expected true or false, got '" + text + "'");
}

void setString(const SettingInfo& row, Settings& s, const std::string& text)
{
	if (text.size() < static_cast<std::size_t>(row.min))
		throw ConfigError(row.key + (row.min == 1 ? ": must not be empty"
		                                          : ": must be at least " + std::to_string(row.min) + " characters"));
	member<std::string>(row, s) = text;
}

void setList(const SettingInfo& row, Settings& s, const std::string& text)
{
	std::vector<std::string>& list = member<std::vector<std::string>>(row, s);
	list.clear();
	std::size_t start = 0;
	while (start <= text.size())
	{
		auto comma = text.find(',', start);
		if (comma == std::string::npos) comma = text.size();
		std::string word = Poco::trim(text.substr(start, comma - start));
		if (!word.empty()) list.push_back(std::move(word));
		start = comma + 1;
	}
}

void setPath(const SettingInfo& row, Settings& s, const std::string& text)
{
	if (text.empty() || text[0] != '/') throw ConfigError(row.key + ": must be an absolute path");
	member<std::string>(row, s) = text;
}

void setChoice(const SettingInfo& row, Settings& s, const std::string& text)
{
	for (const auto& choice : row.choices)
	{
		if (text != choice) continue;
		member<std::string>(row, s) = text;
		return;
	}
	std::string list;
	for (const auto& choice : row.choices) list += (list.empty() ? "" : ", ") + choice;
	throw ConfigError(row.key + ": expected one of " + list);
}

/// The trimmed content of a secret file, refused when it is world-readable.
/// The trimmed content of a credential file (db.password_file,
/// auth.admin_token_file). The mode is checked on the open file, so the
/// file checked is the file read.
std::string readSecretFile(const std::string& key, const std::string& path)
{
	std::string value;
	const Wiper wiper(value);
	try
	{
		readSmallFile(path, kMaxSecretFileBytes, value, [&key, &path](const struct stat& st) {
			if (st.st_mode & S_IROTH)
				throw ConfigError(key + ": '" + path + "' must not be world-readable (chmod o-rwx)");
		});
	}
	catch (const FileError&)
	{
		throw ConfigError(key + ": cannot read '" + path + "'");
	}
	return Poco::trim(value);
}

/// The admin token's SHA-256 from the hash file at path: 64 hex digits
/// (either case; kept in lower case), refused when group or others may write
/// the file (they could set their own token).
std::string readTokenHashFile(const std::string& key, const std::string& path)
{
	std::string value;
	try
	{
		readSmallFile(path, kMaxSecretFileBytes, value, [&key, &path](const struct stat& st) {
			if (st.st_mode & (S_IWGRP | S_IWOTH))
				throw ConfigError(key + ": '" + path + "' must not be writable by group or others (chmod go-w)");
		});
	}
	catch (const FileError&)
	{
		throw ConfigError(key + ": cannot read '" + path + "'");
	}
	std::string hash = Poco::toLower(Poco::trim(value));
	const bool hex = hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string::npos;
	if (!hex)
		throw ConfigError(key + ": '" + path +
		                  "' must hold the 64 hex digits of the admin token's SHA-256 (nexusctl admin-token rotate)");
	return hash;
}

/// Keeps the SHA-256 of token; subject starts the error when it is too short.
void setTokenHash(const SettingInfo& row, Settings& s, const std::string& token, const std::string& subject)
{
	if (token.size() < static_cast<std::size_t>(row.min))
		throw ConfigError(subject + " must be at least " + std::to_string(row.min) + " characters");
	member<std::string>(row, s) = Digest::sha256Hex(token);
}

/// Sets row's member from text, a value of row's key (the file's, the
/// environment's or the row's default), as row's kind says.
void set(const SettingInfo& row, Settings& s, const std::string& text)
{
	const std::string value = Poco::trim(text);
	switch (row.kind)
	{
	case Kind::String: setString(row, s, value); break;
	case Kind::Path: setPath(row, s, value); break;
	case Kind::Choice: setChoice(row, s, value); break;
	case Kind::Integer:
	case Kind::OctalMode: setInteger(row, s, value); break;
	case Kind::Boolean: setBoolean(row, s, value); break;
	case Kind::List: setList(row, s, value); break;
	case Kind::Secret: member<std::string>(row, s) = text; break;
	case Kind::SecretFile:
		if (!value.empty()) member<std::string>(row, s) = readSecretFile(row.key, value);
		break;
	case Kind::AdminTokenFile:
		if (!value.empty()) setTokenHash(row, s, readSecretFile(row.key, value), row.key + ": the token");
		break;
	case Kind::AdminTokenHashFile:
		if (!value.empty() && value[0] != '/') throw ConfigError(row.key + ": must be an absolute path");
		member<std::string>(row, s) = value;
		break;
	}
}

/// The key whose value a SecretFile row reads from a file: "db.password" for "db.password_file".
std::string secretKey(const SettingInfo& row)
{
	const std::string suffix = "_file";
	if (row.key.size() <= suffix.size() || row.key.compare(row.key.size() - suffix.size(), suffix.size(), suffix) != 0)
		throw std::logic_error(row.key + ": a SecretFile key must end in " + suffix);
	return row.key.substr(0, row.key.size() - suffix.size());
}

/// Whether source sets key to something other than blanks.
bool isSet(const Source& source, const std::string& key)
{
	const auto value = source.raw(key);
	return value && !Poco::trim(*value).empty();
}

/// The admin token's two files: the hash file (the path always, for
/// nexusctl; its hash unless NEXUS_ADMIN_TOKEN is set) and, deprecated,
/// the token in clear (with a warning when it is what the token comes from).
void readAdminTokenRow(const SettingInfo& row, Settings& s, const Source& source)
{
	const auto envToken = source.env(kAdminTokenEnv);
	const bool fromEnv = source.readAdminToken() && envToken && !envToken->empty();
	if (row.kind == Kind::AdminTokenHashFile)
	{
		const auto value = source.raw(row.key);
		if (!value) return;
		set(row, s, *value);
		if (s.adminTokenHashFile.empty()) return;
		if (isSet(source, "auth.admin_token_file"))
			throw ConfigError(row.key + " and auth.admin_token_file are both set: keep " + row.key +
			                  " (the token's hash) and remove auth.admin_token_file (the token in clear)");
		if (source.readAdminToken() && !fromEnv) s.adminTokenHash = readTokenHashFile(row.key, s.adminTokenHashFile);
		return;
	}
	if (!source.readAdminToken()) return;
	if (fromEnv)
	{
		setTokenHash(row, s, *envToken, std::string(kAdminTokenEnv) + ":");
		return;
	}
	const auto value = source.raw(row.key);
	if (!value) return;
	set(row, s, *value);
	if (!Poco::trim(*value).empty())
		s.warnings.push_back(row.key + " is deprecated: it keeps the admin token in clear on disk. Use "
		                               "auth.admin_token_hash_file (the token's SHA-256; `nexusctl admin-token rotate` "
		                               "makes a new token and writes it) and delete the token file.");
}

/// Sets row's member from source; leaves the default when source has no value.
void read(const SettingInfo& row, Settings& s, const Source& source)
{
	if (row.kind == Kind::SecretFile && source.raw(secretKey(row))) return;
	if (row.kind == Kind::AdminTokenFile || row.kind == Kind::AdminTokenHashFile)
		return readAdminTokenRow(row, s, source);
	if (auto value = source.raw(row.key)) set(row, s, *value);
}

/// Refuses any key below prefix that has no row, naming it in full
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
		if ((below.empty() || config.hasProperty(full)) && !find(full))
			throw ConfigError(full + ": unknown configuration key");
	}
}

} // namespace

Settings::Settings()
{
	for (const auto& row : table())
	{
		try
		{
			set(row, *this, row.defaultValue);
		}
		catch (const ConfigError& e)
		{
			throw std::logic_error(std::string("the default of ") + e.what());
		}
	}
}

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
	std::string text = readFile(path);
	Wiper wiper(text); // it may hold db.password
	return parse(text, path, env, readAdminToken);
}

std::string Settings::readFile(const std::string& path)
{
	std::string text;
	try
	{
		readSmallFile(path, kMaxConfigFileBytes, text, FileCheck(), "config file");
	}
	catch (const FileError& e)
	{
		Wiper::wipe(text.data(), text.size()); // part of it may have been read
		throw ConfigError(e.what());
	}
	return text;
}

Settings Settings::parse(const std::string& text, const std::string& path, const Env& env, bool readAdminToken)
{
	Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> config(new Poco::Util::PropertyFileConfiguration);
	try
	{
		std::istringstream in(text);
		config->load(in);
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
	const Source source(config, env, readAdminToken);
	for (const auto& row : table()) read(row, s, source);
	for (const auto& server : s.db.hosts)
	{
		const auto colon = server.rfind(':');
		const auto port = colon == std::string::npos ? std::nullopt : parseInteger(server.substr(colon + 1));
		if (colon == 0 || !port || *port < 1 || *port > 65535)
			throw ConfigError("db.hosts: '" + server + "' is not host:port (port 1 to 65535)");
	}
	return s;
}

} // namespace Nexus
