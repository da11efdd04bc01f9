#pragma once

#include "config/Settings.h"
#include "metrics/PoolStats.h"

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace Nexus {

/// The master's job, after the php-fpm static pool: open the FastCGI socket,
/// start settings.workers worker processes (fork + exec of this binary with
/// --worker, the socket on fd 0), replace a worker that exits or dies (or
/// announces with SIGUSR1 that it is draining to be recycled, so capacity
/// does not dip while it finishes),
/// replace the whole pool on SIGHUP with the reloaded configuration, and on
/// SIGTERM/SIGINT/SIGQUIT drain the workers and remove the socket.
class Supervisor
{
public:
	/// program: the path of this binary (re-executed for each worker);
	/// configText: the configuration file's text that settings came from
	/// (empty when there is no file).
	Supervisor(Settings settings, std::string configPath, std::string configText, std::string program);
	Supervisor(const Supervisor&) = delete;
	Supervisor& operator=(const Supervisor&) = delete;
	~Supervisor(); ///< wipes the keyring and configuration texts

	/// A worker finds the keyring its master last loaded at this fd (a pipe
	/// to read to its end) when kKeyringEnv is set: the keys it uses should
	/// the keyring file not load when it starts (Vault::KeyringCache::seed).
	static constexpr int kKeyringFd = 4;
	static constexpr const char* kKeyringEnv = "NEXUS_KEYRING_FD";

	/// Likewise the configuration file's text the master last accepted (at
	/// start or by a reload), at this fd when kConfigEnv is set: a worker
	/// reads its settings from it, not from the file, so a file edited into
	/// a broken one (or one a reload refused) does not stop the workers the
	/// pool starts until it is fixed and reloaded; SIGHUP is what applies a
	/// changed file, for every worker alike.
	static constexpr int kConfigFd = 5;
	static constexpr const char* kConfigEnv = "NEXUS_CONFIG_FD";

	/// Reads a pipe the master passed (kKeyringFd, kConfigFd) to its end
	/// into content (pass an empty string; wipe it after), then closes it.
	static void readPassed(int fd, std::string& content);

	/// Runs until stopped. Returns the process exit code.
	int run();

	/// Creates, binds and listens on a unix socket at path with mode.
	/// Refuses (std::runtime_error) when another process is listening there,
	/// unless the master that listened is dead: then its orphaned workers,
	/// still draining, hold the old socket, and a new one replaces the path.
	static int openSocket(const std::string& path, int mode, int backlog);
	/// Logs a warning when net.core.somaxconn caps backlog.
	static void warnIfBacklogCapped(int backlog);

private:
	struct Child
	{
		int generation;
		std::chrono::steady_clock::time_point started;
		bool retiring = false;                ///< said it is draining; already replaced
		std::size_t slot = PoolStats::kSlots; ///< its PoolStats slot
	};

	void spawn();
	void reap();
	void reload();
	void retire(pid_t pid);
	void stopAll();
	/// Puts the generation and the configured pool size where workers read them.
	void publishSettings();
	/// Reads the keyring file again: a good one becomes what new workers
	/// are given (kKeyringFd); a broken one is logged, the last good stays.
	void refreshKeyring();
	/// A pipe holding text (the last good keyring, the accepted
	/// configuration) for a new worker: its read end, or -1 when text is
	/// empty or does not fit.
	static int textPipe(const std::string& text);

	Settings _settings;
	std::string _configPath;
	std::string _configText; ///< the configuration file's text _settings came from (wiped when replaced)
	std::string _program;
	int _listenFd = -1;
	int _generation = 0;
	bool _stopping = false;
	std::map<pid_t, Child> _children;
	std::vector<std::chrono::steady_clock::time_point> _pendingSpawns;
	long _respawns = 0;
	long _recycles = 0;
	PoolStats _stats;
	std::string _keyringText;  ///< the last good keyring file's content (wiped when replaced)
	std::string _keyringError; ///< why the file did not load at the last look (empty: it did)
};

} // namespace Nexus
