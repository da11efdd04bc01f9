// Settings: defaults, ranges, unknown keys, environment overrides and secrets.
#include "config/Settings.h"
#include "auth/Token.h"

#include "TestSupport.h"
#include "util/Hex.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/AutoPtr.h>
#include <Poco/String.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

using Nexus::ConfigError;
using Nexus::SettingInfo;
using Nexus::SettingKind;
using Nexus::Settings;

using NexusTest::contains;
using NexusTest::sourcePath;
using NexusTest::thrown;

namespace {

/// A file that is removed when the test ends, with the given content and mode.
class SecretFile
{
public:
	SecretFile(const std::string& content, mode_t mode)
	{
		std::ofstream(_file.path()) << content;
		::chmod(_file.path().c_str(), mode);
	}

	const std::string& path() const { return _file.path(); }

private:
	Poco::TemporaryFile _file;
};

/// An integer key, its accepted range and the field it sets.
struct IntegerKey
{
	const char* key;
	long long min;
	long long max;
	std::function<long long(const Settings&)> get;
};

const std::vector<IntegerKey>& integerKeys()
{
	static const std::vector<IntegerKey> keys = {
	    {"server.workers", 1, 256, [](const Settings& s) { return s.workers; }},
	    {"server.threads", 1, 256, [](const Settings& s) { return s.threads; }},
	    {"server.backlog", 1, 65535, [](const Settings& s) { return s.backlog; }},
	    {"server.max_requests", 0, 100000000, [](const Settings& s) { return s.maxRequests; }},
	    {"server.max_requests_jitter", 0, 100000000, [](const Settings& s) { return s.maxRequestsJitter; }},
	    {"server.request_timeout_ms", 100, 3600000, [](const Settings& s) { return s.requestTimeoutMs; }},
	    {"server.queue_timeout_ms", 0, 3600000, [](const Settings& s) { return s.queueTimeoutMs; }},
	    {"server.drain_timeout_ms", 0, 3600000, [](const Settings& s) { return s.drainTimeoutMs; }},
	    {"server.max_body_bytes", 1024, 1073741824,
	     [](const Settings& s) { return static_cast<long long>(s.maxBodyBytes); }},
	    {"http.idempotency_retention_s", 60, 31536000, [](const Settings& s) { return s.idempotencyRetentionS; }},
	    {"db.port", 1, 65535, [](const Settings& s) { return s.db.port; }},
	    {"db.connect_timeout_s", 1, 300, [](const Settings& s) { return s.db.connectTimeoutS; }},
	    {"db.read_timeout_s", 1, 3600, [](const Settings& s) { return s.db.readTimeoutS; }},
	    {"db.statement_cache_size", 16, 4096, [](const Settings& s) { return s.db.statementCacheSize; }},
	    {"auth.token_cache_ms", 0, 60000, [](const Settings& s) { return s.tokenCacheMs; }},
	    {"auth.token_negative_cache_ms", 0, 60000, [](const Settings& s) { return s.tokenNegativeCacheMs; }},
	    {"profiles.cache_ms", 0, 60000, [](const Settings& s) { return s.profilesCacheMs; }},
	    {"knowledge.cache_ms", 0, 60000, [](const Settings& s) { return s.knowledgeCacheMs; }},
	    {"vault.cache_ms", 0, 60000, [](const Settings& s) { return s.vaultCacheMs; }},
	    {"audit.auth_failed_per_minute", 0, 1000000, [](const Settings& s) { return s.auditAuthFailedPerMinute; }},
	    {"agents.offline_after_s", 1, 31536000, [](const Settings& s) { return s.agentsOfflineAfterS; }},
	    {"agents.token_max_ttl_s", 0, 315360000, [](const Settings& s) { return s.agentsTokenMaxTtlS; }},
	    {"auth.token_usage_flush_s", 1, 3600, [](const Settings& s) { return s.tokenUsageFlushS; }},
	    {"agents.max_heartbeat_bytes", 16, 1048576,
	     [](const Settings& s) { return static_cast<long long>(s.agentsMaxHeartbeatBytes); }},
	    {"knowledge.max_content_bytes", 1024, 16777215,
	     [](const Settings& s) { return static_cast<long long>(s.knowledgeMaxContentBytes); }},
	    {"memories.max_entry_bytes", 1, 16777215,
	     [](const Settings& s) { return static_cast<long long>(s.memoriesMaxEntryBytes); }},
	};
	return keys;
}

const std::string kAdminToken = "0123456789abcdefghijklmnopqrstuvwxyzABCD"; // 40 characters

/// How conf/app.properties documents one key.
struct Documented
{
	std::optional<std::string> setTo; ///< the value of its `key = value` line: what the file sets
	std::optional<std::string> shown; ///< the value of its `# key = value` line: a default shown, not set

	/// The default the file states: the commented-out line's, else the setting's.
	const std::string& stated() const { return shown ? *shown : *setTo; }
};

/// The keys conf/app.properties documents. The file is written as `key = value`
/// lines and `#` comments only. A key is documented by its setting, a
/// `key = value` line, or by a commented-out `# key = value` line, which
/// shows the default where the file ships another value or leaves the key
/// unset; a comment of that form (a dotted lower-case name, then '=') is
/// never prose. Each key may have one line of each form.
std::map<std::string, Documented> documentedKeys()
{
	const std::regex line(R"(^(#\s*)?([a-z][a-z0-9_]*(\.[a-z0-9_]+)+)\s*=(.*)$)");
	std::ifstream in(sourcePath("conf/app.properties"));
	CPPUNIT_ASSERT_MESSAGE("cannot read " + sourcePath("conf/app.properties"), in.good());
	std::map<std::string, Documented> keys;
	std::string text;
	while (std::getline(in, text))
	{
		std::smatch m;
		if (!std::regex_match(text, m, line)) continue;
		auto& value = m[1].matched ? keys[m[2]].shown : keys[m[2]].setTo;
		CPPUNIT_ASSERT_MESSAGE("conf/app.properties has two such lines for " + m[2].str(), !value);
		value = Poco::trim(m[4].str());
	}
	return keys;
}

} // namespace

class SettingsTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SettingsTest);
	CPPUNIT_TEST(testDefaults);
	CPPUNIT_TEST(testListIsSplitAtCommasAndTrimmed);
	CPPUNIT_TEST(testSsoIsOffByDefault);
	CPPUNIT_TEST(testSsoPurgesAtMostOncePerSecond);
	CPPUNIT_TEST(testFileValues);
	CPPUNIT_TEST(testIntegerBoundsAccepted);
	CPPUNIT_TEST(testIntegerRangeErrorsNameKey);
	CPPUNIT_TEST(testIntegerNotANumber);
	CPPUNIT_TEST(testIntegerRejectsThousandsSeparator);
	CPPUNIT_TEST(testUnknownKey);
	CPPUNIT_TEST(testUnknownNestedKey);
	CPPUNIT_TEST(testEnvName);
	CPPUNIT_TEST(testEnvBeatsFile);
	CPPUNIT_TEST(testEnvValueChecked);
	CPPUNIT_TEST(testSocketMustBeAbsolute);
	CPPUNIT_TEST(testSocketModeIsOctal);
	CPPUNIT_TEST(testSocketModeInvalid);
	CPPUNIT_TEST(testDbNameAndUserRequired);
	CPPUNIT_TEST(testAdminTokenTooShort);
	CPPUNIT_TEST(testAdminTokenHashed);
	CPPUNIT_TEST(testAdminTokenEnvBeatsFile);
	CPPUNIT_TEST(testAdminTokenFile);
	CPPUNIT_TEST(testAdminTokenFileWorldReadable);
	CPPUNIT_TEST(testAdminTokenFileMissing);
	CPPUNIT_TEST(testAdminTokenFileTooShort);
	CPPUNIT_TEST(testAdminTokenFileIsDeprecated);
	CPPUNIT_TEST(testAdminTokenHashFile);
	CPPUNIT_TEST(testAdminTokenHashFileMustHoldAHash);
	CPPUNIT_TEST(testAdminTokenHashFileWritableByOthers);
	CPPUNIT_TEST(testAdminTokenHashFileMissing);
	CPPUNIT_TEST(testAdminTokenEnvBeatsHashFile);
	CPPUNIT_TEST(testAdminTokenBothFilesRefused);
	CPPUNIT_TEST(testAdminTokenHashFilePathWithoutReading);
	CPPUNIT_TEST(testDbPasswordFile);
	CPPUNIT_TEST(testDbHosts);
	CPPUNIT_TEST(testDbPasswordBeatsFile);
	CPPUNIT_TEST(testLogLevel);
	CPPUNIT_TEST(testBoolean);
	CPPUNIT_TEST(testProfileDefault);
	CPPUNIT_TEST(testMetricsAndRequestLogSwitches);
	CPPUNIT_TEST(testLoadFile);
	CPPUNIT_TEST(testLoadEmptyPath);
	CPPUNIT_TEST(testLoadMissingFile);
	CPPUNIT_TEST(testParseText);
	CPPUNIT_TEST(testDefaultPath);
	CPPUNIT_TEST(testTableKeysAreUnique);
	CPPUNIT_TEST(testSecretFileKeysNameTheirSecret);
	CPPUNIT_TEST(testEveryKeyIsReadFromFileAndEnvironment);
	CPPUNIT_TEST(testEveryKeyIsDocumented);
	CPPUNIT_TEST(testEveryDocumentedKeyIsInTheTable);
	CPPUNIT_TEST(testDocumentedDefaultsAreTheTables);
	CPPUNIT_TEST(testShippedFileLoads);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_config = new Poco::Util::MapConfiguration;
		_env.clear();
	}

	void tearDown() override { _config = nullptr; }

	void testDefaults()
	{
		const Settings s = load();
		CPPUNIT_ASSERT_EQUAL(std::string("/run/nexus/nexus.sock"), s.socketPath);
		CPPUNIT_ASSERT_EQUAL(0660, s.socketMode);
		CPPUNIT_ASSERT_EQUAL(2, s.workers);
		CPPUNIT_ASSERT_EQUAL(8, s.threads);
		CPPUNIT_ASSERT_EQUAL(4096, s.backlog);
		CPPUNIT_ASSERT_EQUAL(1000, s.queueTimeoutMs);
		CPPUNIT_ASSERT_EQUAL(100000, s.maxRequests);
		CPPUNIT_ASSERT_EQUAL(10000, s.maxRequestsJitter);
		CPPUNIT_ASSERT_EQUAL(1000, s.tokenCacheMs);
		CPPUNIT_ASSERT_EQUAL(60, s.tokenUsageFlushS);
		CPPUNIT_ASSERT_EQUAL(0, s.agentsTokenMaxTtlS);
		CPPUNIT_ASSERT_EQUAL(std::string(), s.adminTokenHashFile);
		CPPUNIT_ASSERT(s.warnings.empty());
		CPPUNIT_ASSERT_EQUAL(250, s.tokenNegativeCacheMs);
		CPPUNIT_ASSERT_EQUAL(1000, s.profilesCacheMs);
		CPPUNIT_ASSERT_EQUAL(1000, s.knowledgeCacheMs);
		CPPUNIT_ASSERT_EQUAL(1000, s.vaultCacheMs);
		CPPUNIT_ASSERT_EQUAL(10, s.auditAuthFailedPerMinute);
		CPPUNIT_ASSERT_EQUAL(30000, s.requestTimeoutMs);
		CPPUNIT_ASSERT_EQUAL(10000, s.drainTimeoutMs);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1048576), s.maxBodyBytes);
		CPPUNIT_ASSERT_EQUAL(86400, s.idempotencyRetentionS);
		CPPUNIT_ASSERT_EQUAL(std::string("localhost"), s.db.host);
		CPPUNIT_ASSERT_EQUAL(3306, s.db.port);
		CPPUNIT_ASSERT_EQUAL(std::string(), s.db.socket);
		CPPUNIT_ASSERT_EQUAL(std::string("nexus"), s.db.name);
		CPPUNIT_ASSERT_EQUAL(std::string("nexus"), s.db.user);
		CPPUNIT_ASSERT_EQUAL(std::string(), s.db.password);
		CPPUNIT_ASSERT_EQUAL(3, s.db.connectTimeoutS);
		CPPUNIT_ASSERT_EQUAL(30, s.db.readTimeoutS);
		CPPUNIT_ASSERT_EQUAL(256, s.db.statementCacheSize);
		CPPUNIT_ASSERT_EQUAL(std::string(), s.adminTokenHash);
		CPPUNIT_ASSERT_EQUAL(300, s.agentsOfflineAfterS);
		CPPUNIT_ASSERT_EQUAL(std::size_t(4096), s.agentsMaxHeartbeatBytes);
		CPPUNIT_ASSERT_EQUAL(std::size_t(262144), s.knowledgeMaxContentBytes);
		CPPUNIT_ASSERT_EQUAL(std::size_t(65536), s.memoriesMaxEntryBytes);
		CPPUNIT_ASSERT_EQUAL(std::string("information"), s.logLevel);
	}

	void testFileValues()
	{
		_config->setString("server.socket", " /tmp/nexus.sock ");
		_config->setString("server.workers", "4");
		_config->setString("db.host", "db.example");
		_config->setString("db.socket", "/run/mysqld/mysqld.sock");
		_config->setString("db.name", "nx");
		_config->setString("db.user", "app");
		_config->setString("db.password", "secret");
		const Settings s = load();
		CPPUNIT_ASSERT_EQUAL(std::string("/tmp/nexus.sock"), s.socketPath);
		CPPUNIT_ASSERT_EQUAL(4, s.workers);
		CPPUNIT_ASSERT_EQUAL(std::string("db.example"), s.db.host);
		CPPUNIT_ASSERT_EQUAL(std::string("/run/mysqld/mysqld.sock"), s.db.socket);
		CPPUNIT_ASSERT_EQUAL(std::string("nx"), s.db.name);
		CPPUNIT_ASSERT_EQUAL(std::string("app"), s.db.user);
		CPPUNIT_ASSERT_EQUAL(std::string("secret"), s.db.password);
	}

	void testIntegerBoundsAccepted()
	{
		for (const auto& k : integerKeys())
		{
			for (long long value : {k.min, k.max})
			{
				setUp();
				_config->setString(k.key, " " + std::to_string(value) + " ");
				CPPUNIT_ASSERT_EQUAL_MESSAGE(k.key, value, k.get(load()));
			}
		}
	}

	void testIntegerRangeErrorsNameKey()
	{
		for (const auto& k : integerKeys())
		{
			for (long long value : {k.min - 1, k.max + 1})
			{
				setUp();
				_config->setString(k.key, std::to_string(value));
				const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
				CPPUNIT_ASSERT_MESSAGE(std::string(k.key) + ": " + e.what(), contains(e.what(), k.key));
				CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), std::to_string(value)));
			}
		}
	}

	void testIntegerNotANumber()
	{
		for (const auto& k : integerKeys())
		{
			for (const char* value : {"", "abc", "1.5", "12x", "0x10", "1 2"})
			{
				setUp();
				_config->setString(k.key, value);
				const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
				CPPUNIT_ASSERT_MESSAGE(std::string(k.key) + " = '" + value + "': " + e.what(),
				                       contains(e.what(), k.key));
			}
		}
	}

	void testIntegerRejectsThousandsSeparator()
	{
		// "server.threads = 1,6" is a typo, not sixteen threads.
		_config->setString("server.threads", "1,6");
		try
		{
			const Settings s = load();
			CPPUNIT_FAIL("server.threads = 1,6 was accepted as " + std::to_string(s.threads));
		}
		catch (const ConfigError& e)
		{
			CPPUNIT_ASSERT(contains(e.what(), "server.threads"));
		}
	}

	void testUnknownKey()
	{
		for (const char* key : {"server.wokers", "db.pasword", "workers", "nosuch.key", "auth.admin_token"})
		{
			setUp();
			_config->setString(key, "1");
			const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), key));
		}
	}

	void testUnknownNestedKey()
	{
		// A key below a known key is still unknown, and the message names it whole.
		_config->setString("server.workers.max", "4");
		try
		{
			load();
			CPPUNIT_FAIL("the unknown key server.workers.max was accepted");
		}
		catch (const ConfigError& e)
		{
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "server.workers.max"));
		}
	}

	void testEnvName()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("NEXUS_DB_PASSWORD"), Settings::envName("db.password"));
		CPPUNIT_ASSERT_EQUAL(std::string("NEXUS_SERVER_WORKERS"), Settings::envName("server.workers"));
		CPPUNIT_ASSERT_EQUAL(std::string("NEXUS_AUTH_ADMIN_TOKEN_FILE"), Settings::envName("auth.admin_token_file"));
	}

	void testEnvBeatsFile()
	{
		_config->setString("server.workers", "3");
		_config->setString("db.host", "file.example");
		_env["NEXUS_SERVER_WORKERS"] = "12";
		_env["NEXUS_DB_HOST"] = "env.example";
		_env["NEXUS_SERVER_THREADS"] = "5";
		const Settings s = load();
		CPPUNIT_ASSERT_EQUAL(12, s.workers);
		CPPUNIT_ASSERT_EQUAL(5, s.threads);
		CPPUNIT_ASSERT_EQUAL(std::string("env.example"), s.db.host);
	}

	void testEnvValueChecked()
	{
		_config->setString("server.workers", "3");
		_env["NEXUS_SERVER_WORKERS"] = "0";
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "server.workers"));
	}

	void testSocketMustBeAbsolute()
	{
		for (const char* socket : {"run/nexus.sock", "", "  ", "./nexus.sock"})
		{
			setUp();
			_config->setString("server.socket", socket);
			const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "server.socket"));
		}
		setUp();
		_env["NEXUS_SERVER_SOCKET"] = "nexus.sock";
		CPPUNIT_ASSERT_THROW(load(), ConfigError);
	}

	void testSocketModeIsOctal()
	{
		const std::map<std::string, int> modes = {{"0660", 0660}, {"660", 0660}, {"0600", 0600},
		                                          {"0777", 0777}, {"0", 0},      {"0007", 07}};
		for (const auto& m : modes)
		{
			setUp();
			_config->setString("server.socket_mode", m.first);
			CPPUNIT_ASSERT_EQUAL_MESSAGE(m.first, m.second, load().socketMode);
		}
	}

	void testSocketModeInvalid()
	{
		for (const char* mode : {"0999", "0668", "1000", "07777", "abc", "", "-1", "0x1ff", "rw-rw----"})
		{
			setUp();
			_config->setString("server.socket_mode", mode);
			const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(std::string(mode) + ": " + e.what(), contains(e.what(), "server.socket_mode"));
		}
	}

	void testDbNameAndUserRequired()
	{
		_config->setString("db.name", " ");
		CPPUNIT_ASSERT(contains(thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE()).what(), "db.name"));
		setUp();
		_config->setString("db.user", "");
		CPPUNIT_ASSERT(contains(thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE()).what(), "db.user"));
	}

	void testAdminTokenTooShort()
	{
		const std::string shortToken(31, 'x');
		_env["NEXUS_ADMIN_TOKEN"] = shortToken;
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "NEXUS_ADMIN_TOKEN"));
		CPPUNIT_ASSERT_MESSAGE("the message must not show the token", !contains(e.what(), shortToken));
		_env["NEXUS_ADMIN_TOKEN"] = std::string(32, 'x');
		CPPUNIT_ASSERT_EQUAL(Nexus::Digest::sha256Hex(std::string(32, 'x')), load().adminTokenHash);
	}

	void testAdminTokenHashed()
	{
		_env["NEXUS_ADMIN_TOKEN"] = kAdminToken;
		const Settings s = load();
		CPPUNIT_ASSERT_EQUAL(Nexus::Digest::sha256Hex(kAdminToken), s.adminTokenHash);
		CPPUNIT_ASSERT(Nexus::Auth::Token::isHash(s.adminTokenHash));
		for (const std::string* field : {&s.socketPath, &s.db.host, &s.db.socket, &s.db.name, &s.db.user,
		                                 &s.db.password, &s.adminTokenHash, &s.logLevel})
			CPPUNIT_ASSERT_MESSAGE(*field, !contains(*field, kAdminToken));
	}

	void testAdminTokenEnvBeatsFile()
	{
		// The file is not even read when the environment has a token.
		_config->setString("auth.admin_token_file", "/nonexistent/admin.token");
		_env["NEXUS_ADMIN_TOKEN"] = kAdminToken;
		CPPUNIT_ASSERT_EQUAL(Nexus::Digest::sha256Hex(kAdminToken), load().adminTokenHash);
	}

	void testAdminTokenFile()
	{
		SecretFile file(kAdminToken + "\n", 0600);
		_config->setString("auth.admin_token_file", file.path());
		const Settings s = load();
		CPPUNIT_ASSERT_EQUAL(Nexus::Digest::sha256Hex(kAdminToken), s.adminTokenHash);
		// Group-readable is fine (nexus and nginx may share a group); the path may come from the environment.
		SecretFile groupFile(kAdminToken, 0640);
		setUp();
		_env["NEXUS_AUTH_ADMIN_TOKEN_FILE"] = groupFile.path();
		CPPUNIT_ASSERT_EQUAL(Nexus::Digest::sha256Hex(kAdminToken), load().adminTokenHash);
	}

	void testAdminTokenFileWorldReadable()
	{
		SecretFile file(kAdminToken, 0644);
		_config->setString("auth.admin_token_file", file.path());
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "auth.admin_token_file"));
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "world-readable"));
	}

	void testAdminTokenFileMissing()
	{
		_config->setString("auth.admin_token_file", "/nonexistent/nexus/admin.token");
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "auth.admin_token_file"));
		// An empty setting means no token file.
		setUp();
		_config->setString("auth.admin_token_file", "");
		CPPUNIT_ASSERT_EQUAL(std::string(), load().adminTokenHash);
	}

	void testAdminTokenFileIsDeprecated()
	{
		SecretFile file(kAdminToken + "\n", 0600);
		_config->setString("auth.admin_token_file", file.path());
		const Settings s = load();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), s.warnings.size());
		CPPUNIT_ASSERT_MESSAGE(s.warnings[0], contains(s.warnings[0], "auth.admin_token_file is deprecated"));
		CPPUNIT_ASSERT_MESSAGE(s.warnings[0], contains(s.warnings[0], "auth.admin_token_hash_file"));
		CPPUNIT_ASSERT_MESSAGE("a warning never holds the token", !contains(s.warnings[0], kAdminToken));
		// Not in use (the environment's token wins): no warning.
		_env["NEXUS_ADMIN_TOKEN"] = kAdminToken;
		CPPUNIT_ASSERT(load().warnings.empty());
	}

	void testAdminTokenHashFile()
	{
		const std::string hash = Nexus::Digest::sha256Hex(kAdminToken);
		SecretFile file(Poco::toUpper(hash) + "\n", 0640);
		_config->setString("auth.admin_token_hash_file", file.path());
		const Settings s = load();
		CPPUNIT_ASSERT_EQUAL(hash, s.adminTokenHash);
		CPPUNIT_ASSERT_EQUAL(file.path(), s.adminTokenHashFile);
		CPPUNIT_ASSERT(s.warnings.empty());
		// World-readable is fine: the hash does not give the token.
		SecretFile open(hash, 0644);
		setUp();
		_env["NEXUS_AUTH_ADMIN_TOKEN_HASH_FILE"] = open.path();
		CPPUNIT_ASSERT_EQUAL(hash, load().adminTokenHash);
	}

	void testAdminTokenHashFileMustHoldAHash()
	{
		for (const std::string& content :
		     {kAdminToken, std::string(63, 'a'), std::string(65, 'a'), std::string(63, 'a') + "g", std::string()})
		{
			SecretFile file(content, 0600);
			setUp();
			_config->setString("auth.admin_token_hash_file", file.path());
			const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "auth.admin_token_hash_file"));
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "64 hex digits"));
			CPPUNIT_ASSERT_MESSAGE("the message must not show the content",
			                       content.empty() || !contains(e.what(), content));
		}
		setUp();
		_config->setString("auth.admin_token_hash_file", "relative/admin.token.sha256");
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "absolute"));
	}

	void testAdminTokenHashFileWritableByOthers()
	{
		for (mode_t mode : {mode_t(0620), mode_t(0602), mode_t(0666)})
		{
			SecretFile file(Nexus::Digest::sha256Hex(kAdminToken), mode);
			setUp();
			_config->setString("auth.admin_token_hash_file", file.path());
			const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "must not be writable"));
		}
	}

	void testAdminTokenHashFileMissing()
	{
		_config->setString("auth.admin_token_hash_file", "/nonexistent/nexus/admin.token.sha256");
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "auth.admin_token_hash_file: cannot read"));
		setUp();
		_config->setString("auth.admin_token_hash_file", " ");
		CPPUNIT_ASSERT_EQUAL(std::string(), load().adminTokenHash);
	}

	void testAdminTokenEnvBeatsHashFile()
	{
		// The file is not even read when the environment has a token.
		_config->setString("auth.admin_token_hash_file", "/nonexistent/admin.token.sha256");
		_env["NEXUS_ADMIN_TOKEN"] = kAdminToken;
		CPPUNIT_ASSERT_EQUAL(Nexus::Digest::sha256Hex(kAdminToken), load().adminTokenHash);
	}

	void testAdminTokenBothFilesRefused()
	{
		SecretFile token(kAdminToken, 0600);
		SecretFile hash(Nexus::Digest::sha256Hex(kAdminToken), 0600);
		_config->setString("auth.admin_token_file", token.path());
		_config->setString("auth.admin_token_hash_file", hash.path());
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "both set"));
	}

	void testAdminTokenHashFilePathWithoutReading()
	{
		// nexusctl reads no admin token but needs the hash file's path (admin-token rotate).
		_config->setString("auth.admin_token_hash_file", "/nonexistent/admin.token.sha256");
		const Settings s = Settings::from(*_config, env(), false);
		CPPUNIT_ASSERT_EQUAL(std::string("/nonexistent/admin.token.sha256"), s.adminTokenHashFile);
		CPPUNIT_ASSERT_EQUAL(std::string(), s.adminTokenHash);
	}

	void testAdminTokenFileTooShort()
	{
		SecretFile file("short\n", 0600);
		_config->setString("auth.admin_token_file", file.path());
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "auth.admin_token_file"));
	}

	void testDbHosts()
	{
		CPPUNIT_ASSERT(load().db.hosts.empty());
		_config->setString("db.hosts", "10.0.0.1:3306, db2.example:3307");
		const auto hosts = load().db.hosts;
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), hosts.size());
		CPPUNIT_ASSERT_EQUAL(std::string("db2.example:3307"), hosts[1]);
		for (const char* bad : {"db1.example", "db1.example:0", "db1.example:65536", ":3306", "db1:x"})
		{
			setUp();
			_config->setString("db.hosts", bad);
			const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "db.hosts"));
		}
	}

	void testDbPasswordFile()
	{
		SecretFile file("s3cret\n", 0600);
		_config->setString("db.password_file", file.path());
		CPPUNIT_ASSERT_EQUAL(std::string("s3cret"), load().db.password);
		SecretFile open("s3cret\n", 0604);
		setUp();
		_config->setString("db.password_file", open.path());
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "db.password_file"));
	}

	void testDbPasswordBeatsFile()
	{
		_config->setString("db.password_file", "/nonexistent/db.password");
		_env["NEXUS_DB_PASSWORD"] = "fromenv";
		CPPUNIT_ASSERT_EQUAL(std::string("fromenv"), load().db.password);
	}

	void testLogLevel()
	{
		for (const char* level : {"fatal", "critical", "error", "warning", "notice", "information", "debug", "trace"})
		{
			setUp();
			_config->setString("log.level", level);
			CPPUNIT_ASSERT_EQUAL(std::string(level), load().logLevel);
		}
		for (const char* level : {"info", "verbose", "", "DEBUG"})
		{
			setUp();
			_config->setString("log.level", level);
			const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "log.level"));
		}
	}

	void testListIsSplitAtCommasAndTrimmed()
	{
		CPPUNIT_ASSERT(load().sso.adminGroups.empty());
		_config->setString("sso.admin_groups", " nexus-admins, ,ops team ,");
		const std::vector<std::string> want = {"nexus-admins", "ops team"};
		CPPUNIT_ASSERT(want == load().sso.adminGroups);
		_env["NEXUS_SSO_ADMIN_GROUPS"] = "";
		CPPUNIT_ASSERT(load().sso.adminGroups.empty());
	}

	void testSsoIsOffByDefault()
	{
		const Settings s = load();
		CPPUNIT_ASSERT(!s.sso.enabled());
		CPPUNIT_ASSERT_EQUAL(std::string("openid profile email"), s.sso.scopes);
		CPPUNIT_ASSERT_EQUAL(std::string("groups"), s.sso.groupsClaim);
		_env["NEXUS_SSO_ISSUER"] = "http://127.0.0.1:4280";
		CPPUNIT_ASSERT(load().sso.enabled());
	}

	void testSsoPurgesAtMostOncePerSecond()
	{
		CPPUNIT_ASSERT_EQUAL(60, load().sso.purgeIntervalS);
		_env["NEXUS_SSO_PURGE_INTERVAL_S"] = "1";
		CPPUNIT_ASSERT_EQUAL(1, load().sso.purgeIntervalS);
		_env["NEXUS_SSO_PURGE_INTERVAL_S"] = "0";
		const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "sso.purge_interval_s"));
	}

	void testBoolean()
	{
		CPPUNIT_ASSERT(!load().profilesStrict);
		for (const char* yes : {"true", "TRUE", "yes", "on", "1", " true "})
		{
			setUp();
			_config->setString("profiles.strict", yes);
			CPPUNIT_ASSERT_MESSAGE(yes, load().profilesStrict);
		}
		for (const char* no : {"false", "No", "off", "0"})
		{
			setUp();
			_config->setString("profiles.strict", no);
			CPPUNIT_ASSERT_MESSAGE(no, !load().profilesStrict);
		}
		for (const char* bad : {"", "2", "y", "enabled"})
		{
			setUp();
			_config->setString("profiles.strict", bad);
			const auto e = thrown<ConfigError>([&] { load(); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "profiles.strict"));
		}
		setUp();
		_env["NEXUS_PROFILES_STRICT"] = "yes";
		CPPUNIT_ASSERT(load().profilesStrict);
	}

	void testMetricsAndRequestLogSwitches()
	{
		const Settings defaults = load();
		CPPUNIT_ASSERT(defaults.metricsLocalWithoutToken);
		CPPUNIT_ASSERT(defaults.logRequests);
		_config->setString("metrics.local_without_token", "false");
		_config->setString("log.requests", "off");
		const Settings s = load();
		CPPUNIT_ASSERT(!s.metricsLocalWithoutToken);
		CPPUNIT_ASSERT(!s.logRequests);
	}

	void testProfileDefault()
	{
		CPPUNIT_ASSERT_EQUAL(std::string(), load().profilesDefault);
		_config->setString("profiles.default", " Dev Fast & Cheap ");
		CPPUNIT_ASSERT_EQUAL(std::string("Dev Fast & Cheap"), load().profilesDefault);
	}

	void testLoadFile()
	{
		Poco::TemporaryFile file;
		std::ofstream(file.path()) << "# a comment\nserver.workers = 5\nlog.level = debug\n\ndb.port = 3307\n";
		_env["NEXUS_DB_PORT"] = "3308";
		const Settings s = Settings::load(file.path(), env());
		CPPUNIT_ASSERT_EQUAL(5, s.workers);
		CPPUNIT_ASSERT_EQUAL(std::string("debug"), s.logLevel);
		CPPUNIT_ASSERT_EQUAL(3308, s.db.port);

		Poco::TemporaryFile typo;
		std::ofstream(typo.path()) << "server.wrokers = 5\n";
		const auto e = thrown<ConfigError>([&] { Settings::load(typo.path(), env()); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "server.wrokers"));
	}

	void testLoadEmptyPath()
	{
		_env["NEXUS_SERVER_WORKERS"] = "7";
		const Settings s = Settings::load("", env());
		CPPUNIT_ASSERT_EQUAL(7, s.workers);
		CPPUNIT_ASSERT_EQUAL(8, s.threads);
	}

	void testLoadMissingFile()
	{
		const auto e = thrown<ConfigError>([&] { Settings::load("/nonexistent", env()); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "/nonexistent"));
		// A directory is not a configuration file either.
		const auto dir = thrown<ConfigError>([&] { Settings::readFile("/tmp"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(dir.what(), contains(dir.what(), "not a regular file"));
	}

	// What a worker does with the text its master passed (Supervisor::kConfigFd):
	// the same settings as from the file, whatever the file holds now.
	void testParseText()
	{
		Poco::TemporaryFile file;
		const std::string text = "server.workers = 5\nlog.level = debug\n";
		std::ofstream(file.path()) << text;
		CPPUNIT_ASSERT_EQUAL(text, Settings::readFile(file.path()));
		const Settings s = Settings::parse(text, file.path(), env());
		CPPUNIT_ASSERT_EQUAL(5, s.workers);
		CPPUNIT_ASSERT_EQUAL(std::string("debug"), s.logLevel);
		const auto e =
		    thrown<ConfigError>([&] { Settings::parse("server.wrokers = 5\n", "x", env()); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "server.wrokers"));
		CPPUNIT_ASSERT_EQUAL(8, Settings::parse("", "", env()).threads);
	}

	void testDefaultPath()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("/etc/nexus/app.properties"), Settings::defaultPath(env()));
		_env["NEXUS_CONFIG"] = "/tmp/x.properties";
		CPPUNIT_ASSERT_EQUAL(std::string("/tmp/x.properties"), Settings::defaultPath(env()));
	}

	void testTableKeysAreUnique()
	{
		std::set<std::string> keys;
		for (const SettingInfo& row : Settings::table())
			CPPUNIT_ASSERT_MESSAGE(row.key + " has two rows", keys.insert(row.key).second);
	}

	void testSecretFileKeysNameTheirSecret()
	{
		// "<name>_file" yields to "<name>", which must be a key of its own.
		for (const SettingInfo& row : Settings::table())
		{
			if (row.kind != SettingKind::SecretFile) continue;
			const std::string suffix = "_file";
			CPPUNIT_ASSERT_MESSAGE(row.key, row.key.size() > suffix.size() &&
			                                    row.key.substr(row.key.size() - suffix.size()) == suffix);
			const std::string secret = row.key.substr(0, row.key.size() - suffix.size());
			bool found = false;
			for (const SettingInfo& other : Settings::table()) found = found || other.key == secret;
			CPPUNIT_ASSERT_MESSAGE(row.key + ": no row for " + secret, found);
		}
	}

	void testEveryKeyIsReadFromFileAndEnvironment()
	{
		// Each row's default, written in the file and in NEXUS_<KEY>, is taken as it is.
		for (const SettingInfo& row : Settings::table())
		{
			setUp();
			_config->setString(row.key, row.defaultValue);
			CPPUNIT_ASSERT_NO_THROW_MESSAGE(row.key + " in the file", load());
			setUp();
			_env[Settings::envName(row.key)] = row.defaultValue;
			CPPUNIT_ASSERT_NO_THROW_MESSAGE(Settings::envName(row.key), load());
		}
	}

	void testEveryKeyIsDocumented()
	{
		const auto documented = documentedKeys();
		for (const SettingInfo& row : Settings::table())
			CPPUNIT_ASSERT_MESSAGE(row.key + " is missing from conf/app.properties", documented.count(row.key));
	}

	void testEveryDocumentedKeyIsInTheTable()
	{
		std::set<std::string> keys;
		for (const SettingInfo& row : Settings::table()) keys.insert(row.key);
		for (const auto& entry : documentedKeys())
			CPPUNIT_ASSERT_MESSAGE("conf/app.properties documents " + entry.first + ", which Settings::table() lacks",
			                       keys.count(entry.first));
	}

	void testDocumentedDefaultsAreTheTables()
	{
		const auto documented = documentedKeys();
		for (const SettingInfo& row : Settings::table())
		{
			const auto it = documented.find(row.key);
			if (it == documented.end()) continue; // testEveryKeyIsDocumented reports it
			CPPUNIT_ASSERT_EQUAL_MESSAGE(row.key + " (conf/app.properties vs Settings::table())", row.defaultValue,
			                             it->second.stated());
		}
	}

	void testShippedFileLoads()
	{
		// Poco reads the same settings from the file as documentedKeys() does, and they are valid.
		const std::string path = sourcePath("conf/app.properties");
		Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file(new Poco::Util::PropertyFileConfiguration(path));
		const auto documented = documentedKeys();
		for (const SettingInfo& row : Settings::table())
		{
			const auto it = documented.find(row.key);
			const bool set = it != documented.end() && it->second.setTo;
			CPPUNIT_ASSERT_EQUAL_MESSAGE(row.key, set, file->hasProperty(row.key));
			if (set) CPPUNIT_ASSERT_EQUAL_MESSAGE(row.key, *it->second.setTo, Poco::trim(file->getRawString(row.key)));
		}
		const Settings s = Settings::load(path, env(), false);
		CPPUNIT_ASSERT_EQUAL(std::string("/run/mysqld/mysqld.sock"), s.db.socket);
		CPPUNIT_ASSERT_EQUAL(std::string(), s.db.password);
	}

private:
	/// A fake environment backed by _env.
	Settings::Env env() const
	{
		return [this](const std::string& name) -> std::optional<std::string> {
			auto it = _env.find(name);
			if (it == _env.end()) return std::nullopt;
			return it->second;
		};
	}

	Settings load() const { return Settings::from(*_config, env()); }

	Poco::AutoPtr<Poco::Util::MapConfiguration> _config;
	std::map<std::string, std::string> _env;
};

CPPUNIT_TEST_SUITE_REGISTRATION(SettingsTest);
