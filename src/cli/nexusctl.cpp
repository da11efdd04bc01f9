// nexusctl: the operator's command line for Nexus.

#include "auth/Token.h"
#include "cli/Commands.h"
#include "config/Settings.h"
#include "db/Database.h"
#include "db/Migrator.h"
#include "util/Hex.h"
#include "util/Random.h"

#include <cppconn/exception.h>

#include <iostream>
#include <string>
#include <vector>

#include <sys/prctl.h>

namespace {

const char* const kUsage =
    "usage: nexusctl [--config FILE] [--sql-dir DIR] COMMAND\n"
    "\n"
    "commands:\n"
    "  migrate         create the schema in an empty database, or apply the missing migrations\n"
    "  schema-version  print the database's schema version and the version this Nexus expects\n"
    "  new-token       print a new random token (e.g. for NEXUS_ADMIN_TOKEN)\n"
    "  admin-token rotate  make a new admin token, print it once, write its SHA-256 (auth.admin_token_hash_file)\n"
    "  hash-token      read a token on stdin, print its SHA-256 (what the API revokes by)\n"
    "  vault ...       the vault keyring: init, rotate-key, status, rewrap (nexusctl vault help)\n"
    "  audit ...       the audit log's hash chain: verify, seal (nexusctl audit help)\n"
    "  knowledge ...   the knowledge base as YAML files: import, export (nexusctl knowledge help)\n"
    "\n"
    "The configuration is FILE, else $NEXUS_CONFIG, else /etc/nexus/app.properties;\n"
    "NEXUS_DB_* variables override it. The SQL files are in DIR, else $NEXUS_SQL_DIR,\n"
    "else /usr/share/nexus/sql.\n";

int fail(const std::string& message)
{
	std::cerr << "nexusctl: " << message << std::endl;
	return 1;
}

} // namespace

int main(int argc, char** argv)
{
	// No core dump: nexusctl holds the keyring's keys and secret values
	// while it rewraps (Linux's prctl: nothing in Poco does this).
	::prctl(PR_SET_DUMPABLE, 0);
	using Nexus::Settings;
	std::string configPath;
	std::string sqlDir = Settings::processEnv("NEXUS_SQL_DIR").value_or("/usr/share/nexus/sql");
	std::vector<std::string> args;
	for (int i = 1; i < argc; ++i)
	{
		const std::string arg = argv[i];
		if ((arg == "--config" || arg == "--sql-dir") && i + 1 < argc)
			(arg == "--config" ? configPath : sqlDir) = argv[++i];
		else if (arg.rfind("--config=", 0) == 0)
			configPath = arg.substr(9);
		else if (arg.rfind("--sql-dir=", 0) == 0)
			sqlDir = arg.substr(10);
		else if (arg == "-h" || arg == "--help")
		{
			std::cout << kUsage;
			return 0;
		}
		else
			args.push_back(arg);
	}
	if (args.empty())
	{
		std::cerr << kUsage;
		return 2;
	}
	const std::string command = args[0];
	if (command == "vault" || command == "audit" || command == "knowledge" || command == "admin-token")
	{
		Nexus::Cli::Context context;
		context.configPath = configPath.empty() ? Settings::defaultPath(Settings::processEnv) : configPath;
		context.sqlDir = sqlDir;
		context.args.assign(args.begin() + 1, args.end());
		try
		{
			if (command == "knowledge") return Nexus::Cli::knowledge(context);
			if (command == "admin-token") return Nexus::Cli::adminToken(context);
			return command == "vault" ? Nexus::Cli::vault(context) : Nexus::Cli::audit(context);
		}
		catch (const Nexus::ConfigError& e)
		{
			return fail(std::string("configuration error: ") + e.what());
		}
		catch (const std::exception& e)
		{
			return fail(e.what());
		}
	}
	if (args.size() != 1)
	{
		std::cerr << kUsage;
		return 2;
	}

	if (command == "new-token")
	{
		std::cout << Nexus::Random::urlSafe(32) << std::endl;
		return 0;
	}
	if (command == "hash-token")
	{
		std::string token;
		std::getline(std::cin, token);
		if (token.empty()) return fail("no token on stdin");
		std::cout << Nexus::Digest::sha256Hex(token) << std::endl;
		return 0;
	}
	if (command != "migrate" && command != "schema-version")
	{
		std::cerr << kUsage;
		return 2;
	}

	try
	{
		if (configPath.empty()) configPath = Settings::defaultPath(Settings::processEnv);
		const Settings settings = Settings::load(configPath, Settings::processEnv, false);
		Nexus::Db::Database::init(settings.db);
		Nexus::Db::Database::threadInit();
		Nexus::Db::Migrator migrator(sqlDir);
		if (command == "schema-version")
		{
			std::cout << "database " << Nexus::Db::Migrator::currentVersion() << ", expected "
			          << migrator.latestVersion() << std::endl;
		}
		else
		{
			const int before = Nexus::Db::Migrator::currentVersion();
			const int reached = migrator.migrate(std::cout);
			// Migration 11 adds secrets.mac: the secrets that exist now are
			// trusted as they are, once (a database created at 11 or later
			// has none yet; later ones are stamped when written).
			const int kSecretMacVersion = 11;
			if (before > 0 && before < kSecretMacVersion && reached >= kSecretMacVersion)
				Nexus::Cli::authenticateMigratedSecrets(settings.vaultKeyringFile, std::cout);
		}
		Nexus::Db::Database::threadEnd();
		return 0;
	}
	catch (const Nexus::ConfigError& e)
	{
		return fail(std::string("configuration error: ") + e.what());
	}
	catch (const sql::SQLException& e)
	{
		return fail(std::string("database error: ") + e.what());
	}
	catch (const std::exception& e)
	{
		return fail(e.what());
	}
}
