// nexus-fcgi: the Nexus FastCGI server. The process started by systemd (or
// `make run`) is the master; it re-executes itself with --worker for each
// worker process (see Supervisor and Worker).

#include "config/Settings.h"
#include "db/Database.h"
#include "metrics/Metrics.h"
#include "metrics/PoolStats.h"
#include "oidc/Error.h"
#include "server/Logging.h"
#include "server/Supervisor.h"
#include "server/Worker.h"
#include "sso/Provider.h"
#include "util/Integer.h"
#include "util/Wiper.h"
#include "vault/Keyring.h"
#include "vault/KeyringCache.h"

#include <Poco/Logger.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include <iostream>

#include <cerrno>

#include <sys/prctl.h>
#include <unistd.h>

namespace Nexus {

class Master : public Poco::Util::ServerApplication
{
protected:
	void defineOptions(Poco::Util::OptionSet& options) override
	{
		ServerApplication::defineOptions(options);
		options.addOption(
		    Poco::Util::Option("config", "c", "property file (default: $NEXUS_CONFIG or /etc/nexus/app.properties)")
		        .required(false)
		        .argument("FILE")
		        .callback(Poco::Util::OptionCallback<Master>(this, &Master::onConfig)));
		options.addOption(Poco::Util::Option("check-config", "t", "check the configuration and exit")
		                      .required(false)
		                      .callback(Poco::Util::OptionCallback<Master>(this, &Master::onCheck)));
		options.addOption(Poco::Util::Option("worker", "", "(internal) run as a worker on the socket at fd 0")
		                      .required(false)
		                      .callback(Poco::Util::OptionCallback<Master>(this, &Master::onWorker)));
		options.addOption(Poco::Util::Option("help", "h", "show this help")
		                      .required(false)
		                      .callback(Poco::Util::OptionCallback<Master>(this, &Master::onHelp)));
	}

	int main(const ArgVec&) override
	{
		if (_help) return EXIT_OK;
		// No core dump and no attaching by the service's own user: a dump
		// would hold the keyring's keys, the database password and recent
		// secret values. Each worker is exec'd, which makes it dumpable
		// again, so this runs in the master and in every worker. (Linux's
		// prctl: nothing in Poco does this.)
		::prctl(PR_SET_DUMPABLE, 0);
		if (_configPath.empty()) _configPath = Settings::defaultPath(Settings::processEnv);
		Settings settings;
		std::string configText; // may hold db.password: wiped on the way out
		Wiper configWiper(configText);
		try
		{
			configText = readConfigText();
			settings = Settings::parse(configText, _configPath, Settings::processEnv);
		}
		catch (const ConfigError& e)
		{
			std::cerr << "nexus-fcgi: configuration error: " << e.what() << std::endl;
			return Worker::kExitConfig;
		}
		try
		{
			// Refuse to start with a keyring that is missing, malformed or
			// readable by others. Only the master: a worker started while the
			// file is broken (replaced by a bad one) serves with the keys its
			// master last loaded (seedKeyring()); exiting would make the pool
			// respawn workers that never start, and serve nothing at all.
			if (!_worker) Vault::Keyring::load(settings.vaultKeyringFile);
		}
		catch (const Vault::KeyringError& e)
		{
			std::cerr << "nexus-fcgi: configuration error: vault.keyring_file: " << e.what() << std::endl;
			return Worker::kExitConfig;
		}
		try
		{
			// Sign-in on with settings the relying party cannot use: refuse to start.
			if (settings.sso.enabled()) Sso::Provider::check(settings.sso);
		}
		catch (const Oidc::ConfigurationError& e)
		{
			std::cerr << "nexus-fcgi: configuration error: sso: " << e.what() << std::endl;
			return Worker::kExitConfig;
		}
		if (_checkOnly)
		{
			for (const auto& warning : settings.warnings) std::cerr << "nexus-fcgi: warning: " << warning << std::endl;
			std::cout << "nexus-fcgi: configuration " << _configPath << " is valid" << std::endl;
			return EXIT_OK;
		}
		setupLogging(settings.logLevel);
		if (!_worker)
		{
			for (const auto& warning : settings.warnings) Poco::Logger::get("master").warning("%s", warning);
			if (settings.adminTokenHash.empty())
				Poco::Logger::get("master").warning("no admin token configured (NEXUS_ADMIN_TOKEN or "
				                                    "auth.admin_token_hash_file): admin routes refuse every caller");
		}

		if (_worker)
		{
			seedKeyring(settings.vaultKeyringFile);
			Db::Database::init(settings.db);
			attachStats();
			Worker worker(settings, 0);
			return worker.run();
		}
		Supervisor supervisor(settings, _configPath, configText, config().getString("application.path"));
		return supervisor.run();
	}

private:
	/// The configuration file's text: a worker's from its master when it
	/// passed one (Supervisor::kConfigFd: the text the master accepted,
	/// whatever the file holds now), else the file's (none without a path).
	std::string readConfigText() const
	{
		std::string text;
		if (_worker && std::getenv(Supervisor::kConfigEnv))
		{
			::unsetenv(Supervisor::kConfigEnv);
			Supervisor::readPassed(Supervisor::kConfigFd, text);
			return text;
		}
		return _configPath.empty() ? text : Settings::readFile(_configPath);
	}

	/// A worker's keyring as its master last loaded it (Supervisor::kKeyringFd):
	/// what it uses should the file not load (replaced by a broken one).
	static void seedKeyring(const std::string& path)
	{
		if (!std::getenv(Supervisor::kKeyringEnv)) return;
		::unsetenv(Supervisor::kKeyringEnv);
		std::string content;
		Wiper wiper(content);
		Supervisor::readPassed(Supervisor::kKeyringFd, content);
		try
		{
			Vault::KeyringCache::seed(path, Vault::Keyring::parse(content, path + " (as the master loaded it)"));
		}
		catch (const Vault::KeyringError& e)
		{
			Poco::Logger::get("worker").warning("the keyring passed by the master is unusable: %s",
			                                    std::string(e.what()));
		}
	}

	/// A worker's view of the master's shared statistics (see PoolStats), or
	/// none (requests go uncounted) when the master passed none.
	static void attachStats()
	{
		const char* slotText = std::getenv(PoolStats::kSlotEnv);
		if (!slotText) return;
		try
		{
			const auto slot = parseInteger(slotText);
			if (!slot || *slot < 0 || static_cast<std::size_t>(*slot) >= PoolStats::kSlots)
				throw std::runtime_error(std::string("bad ") + PoolStats::kSlotEnv);
			PoolStats stats = PoolStats::attach(PoolStats::kWorkerFd);
			stats.slot(static_cast<std::size_t>(*slot)).startedMs.store(Poco::Timestamp().epochMicroseconds() / 1000);
			Metrics::attach(std::move(stats), static_cast<std::size_t>(*slot));
		}
		catch (const std::exception& e)
		{
			Poco::Logger::get("worker").warning("%s; this worker's requests are not counted", std::string(e.what()));
		}
	}

	void onConfig(const std::string&, const std::string& value) { _configPath = value; }
	void onCheck(const std::string&, const std::string&) { _checkOnly = true; }
	void onWorker(const std::string&, const std::string&) { _worker = true; }
	void onHelp(const std::string&, const std::string&)
	{
		_help = true;
		Poco::Util::HelpFormatter help(options());
		help.setCommand(commandName());
		help.setUsage("[--config=FILE] [--check-config]");
		help.setHeader("Nexus FastCGI server: a supervised pool of worker processes.");
		help.format(std::cout);
		stopOptionsProcessing();
	}

	std::string _configPath;
	bool _checkOnly = false;
	bool _worker = false;
	bool _help = false;
};

} // namespace Nexus

POCO_SERVER_MAIN(Nexus::Master)
