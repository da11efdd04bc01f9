// nexus-fcgi: the Nexus FastCGI server. The process started by systemd (or
// `make run`) is the master; it re-executes itself with --worker for each
// worker process (see Supervisor and Worker).

#include "db/Database.h"
#include "server/Logging.h"
#include "server/Settings.h"
#include "server/Supervisor.h"
#include "server/Worker.h"
#include "vault/Keyring.h"

#include <Poco/Logger.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include <iostream>

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
		if (_configPath.empty()) _configPath = Settings::defaultPath(Settings::processEnv);
		Settings settings;
		try
		{
			settings = Settings::load(_configPath, Settings::processEnv);
		}
		catch (const ConfigError& e)
		{
			std::cerr << "nexus-fcgi: configuration error: " << e.what() << std::endl;
			return Worker::kExitConfig;
		}
		try
		{
			// Refuse to start with a keyring that is missing, malformed or readable by others.
			Vault::Keyring::load(settings.vaultKeyringFile);
		}
		catch (const Vault::KeyringError& e)
		{
			std::cerr << "nexus-fcgi: configuration error: vault.keyring_file: " << e.what() << std::endl;
			return Worker::kExitConfig;
		}
		if (_checkOnly)
		{
			std::cout << "nexus-fcgi: configuration " << _configPath << " is valid" << std::endl;
			return EXIT_OK;
		}
		setupLogging(settings.logLevel);
		if (settings.adminTokenHash.empty() && !_worker)
			Poco::Logger::get("master").warning("no admin token configured (NEXUS_ADMIN_TOKEN or "
			                                    "auth.admin_token_file): admin routes refuse every caller");

		if (_worker)
		{
			Db::Database::init(settings.db);
			Worker worker(settings, 0);
			return worker.run();
		}
		Supervisor supervisor(settings, _configPath, config().getString("application.path"));
		return supervisor.run();
	}

private:
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
