#include "server/Supervisor.h"

#include "server/Worker.h"
#include "util/FileDescriptor.h"
#include "util/Wiper.h"
#include "vault/Keyring.h"

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace Nexus {

namespace {

/// A worker that dies sooner than this after its start is respawned only
/// after kRespawnBackoff, so a crash loop does not spin the CPU.
const auto kMinLifetime = std::chrono::seconds(2);
const auto kRespawnBackoff = std::chrono::seconds(1);

Poco::Logger& log()
{
	return Poco::Logger::get("master");
}

sigset_t masterSignals()
{
	sigset_t set;
	sigemptyset(&set);
	for (int s : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD, SIGUSR1}) sigaddset(&set, s);
	return set;
}

/// Whether pid has ended: no such process, or a zombie its parent has not
/// reaped yet (kill() still finds those).
bool processGone(pid_t pid)
{
	if (::kill(pid, 0) != 0) return errno == ESRCH;
	std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
	std::string line;
	if (!std::getline(stat, line)) return false;
	// "pid (comm) S ...": comm may hold spaces and parentheses; the state follows the last ')'.
	const auto close = line.rfind(')');
	return close != std::string::npos && close + 2 < line.size() && (line[close + 2] == 'Z' || line[close + 2] == 'X');
}

} // namespace

Supervisor::Supervisor(Settings settings, std::string configPath, std::string configText, std::string program):
    _settings(std::move(settings)), _configPath(std::move(configPath)), _configText(std::move(configText)),
    _program(std::move(program))
{}

Supervisor::~Supervisor()
{
	Wiper::wipe(_keyringText.data(), _keyringText.size());
	Wiper::wipe(_configText.data(), _configText.size());
}

void Supervisor::refreshKeyring()
{
	std::string content;
	Wiper wiper(content);
	try
	{
		content = Vault::Keyring::read(_settings.vaultKeyringFile);
		if (!_keyringError.empty())
			log().information("keyring file %s loads again; new workers get its keys", _settings.vaultKeyringFile);
		_keyringError.clear();
		_keyringText.swap(content); // the old text is wiped with content
	}
	catch (const Vault::KeyringError& e)
	{
		// The message names the file and why, never key material.
		if (_keyringError != e.what())
			log().error("cannot load the keyring file %s: %s; new workers get the keys last loaded until it is fixed",
			            _settings.vaultKeyringFile, std::string(e.what()));
		_keyringError = e.what();
	}
}

int Supervisor::textPipe(const std::string& text)
{
	if (text.empty()) return -1;
	int fds[2];
	if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
	// Never blocks: the files are far smaller than a pipe's buffer (64 KiB);
	// a text that does not fit whole is not passed at all.
	::fcntl(fds[1], F_SETFL, O_NONBLOCK);
	const ssize_t written = ::write(fds[1], text.data(), text.size());
	::close(fds[1]);
	// Above the fds a worker is given (0, 3, 4, 5), so that placing one
	// there in the child cannot overwrite another still to be placed.
	const int high = written == static_cast<ssize_t>(text.size()) ? ::fcntl(fds[0], F_DUPFD_CLOEXEC, 10) : -1;
	::close(fds[0]);
	return high;
}

void Supervisor::readPassed(int fd, std::string& content)
{
	char buffer[4096];
	ssize_t n;
	while ((n = ::read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0) content.append(buffer, static_cast<std::size_t>(n));
	Wiper::wipe(buffer, sizeof buffer);
	::close(fd);
}

int Supervisor::openSocket(const std::string& path, int mode, int backlog)
{
	sockaddr_un address = {};
	address.sun_family = AF_UNIX;
	if (path.size() >= sizeof address.sun_path) throw std::runtime_error("server.socket: path is too long: " + path);
	std::strcpy(address.sun_path, path.c_str());

	{
		const FileDescriptor probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
		if (!probe.valid()) throw std::runtime_error(std::string("socket(): ") + std::strerror(errno));
		// A socket file nobody listens on is left over from a crash: replace it.
		if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0)
		{
			// Someone listens. The socket's credentials are those of the
			// process that called listen(): a master. When that master is
			// dead (SIGKILLed, crashed), its orphaned workers hold the socket
			// while they drain their last requests (PR_SET_PDEATHSIG sent
			// them SIGTERM); a restart takes the path over from them rather
			// than refusing, which a service manager's restart would take
			// for a configuration error (exit code 78: no further restart).
			ucred peer = {};
			socklen_t size = sizeof peer;
			const bool known = ::getsockopt(probe.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0 && peer.pid > 0;
			if (!known || !processGone(peer.pid))
				throw std::runtime_error("server.socket: another process is already listening on " + path +
				                         (known ? " (pid " + std::to_string(peer.pid) + ")" : std::string()));
			log().warning("server.socket %s is still held by the workers of a master that died (pid %d); taking "
			              "it over while they drain",
			              path, static_cast<int>(peer.pid));
		}
	}
	::unlink(path.c_str());

	FileDescriptor listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	if (!listener.valid()) throw std::runtime_error(std::string("socket(): ") + std::strerror(errno));
	if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
	    ::chmod(path.c_str(), mode) != 0 || ::listen(listener.get(), backlog) != 0)
	{
		const int error = errno;
		throw std::runtime_error("server.socket: cannot listen on " + path + ": " + std::strerror(error));
	}
	return listener.release();
}

void Supervisor::spawn()
{
	const std::size_t slot = _stats.acquire(-1); // the pid is known after the fork
	refreshKeyring();
	const int keyring = textPipe(_keyringText);
	const int config = textPipe(_configText);
	const pid_t pid = ::fork();
	if (pid != 0)
		for (int fd : {keyring, config})
			if (fd >= 0) ::close(fd);
	if (pid < 0)
	{
		_stats.release(slot);
		log().error("fork failed: %s", std::string(std::strerror(errno)));
		_pendingSpawns.push_back(std::chrono::steady_clock::now() + kRespawnBackoff);
		return;
	}
	if (pid == 0)
	{
		// Child: die with the master, take the socket as fd 0 (the FastCGI
		// convention), restore signals and become a worker.
		::prctl(PR_SET_PDEATHSIG, SIGTERM);
		::dup2(_listenFd, 0);
		// The shared statistics at a fixed fd, and which slot is ours.
		if (slot < PoolStats::kSlots && _stats.fd() >= 0 && ::dup2(_stats.fd(), PoolStats::kWorkerFd) >= 0)
			::setenv(PoolStats::kSlotEnv, std::to_string(slot).c_str(), 1);
		else
			::unsetenv(PoolStats::kSlotEnv);
		// (Both are above 10, so dup2 never lands on its own fd.)
		if (keyring >= 0 && ::dup2(keyring, kKeyringFd) >= 0)
			::setenv(kKeyringEnv, std::to_string(kKeyringFd).c_str(), 1);
		else
			::unsetenv(kKeyringEnv);
		if (config >= 0 && ::dup2(config, kConfigFd) >= 0)
			::setenv(kConfigEnv, std::to_string(kConfigFd).c_str(), 1);
		else
			::unsetenv(kConfigEnv);
		sigset_t none;
		sigemptyset(&none);
		::sigprocmask(SIG_SETMASK, &none, nullptr);
		const std::string configArg = "--config=" + _configPath;
		const char* argv[] = {_program.c_str(), "--worker", configArg.c_str(), nullptr};
		::execv(_program.c_str(), const_cast<char* const*>(argv));
		std::fprintf(stderr, "nexus-fcgi: cannot exec %s: %s\n", _program.c_str(), std::strerror(errno));
		::_exit(127);
	}
	if (slot < PoolStats::kSlots)
		_stats.slot(slot).pid.store(pid);
	else
		log().warning("no statistics slot free for worker %d; its requests are not counted", static_cast<int>(pid));
	_children[pid] = Child{_generation, std::chrono::steady_clock::now(), false, slot};
}

void Supervisor::reap()
{
	int status = 0;
	pid_t pid;
	while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0)
	{
		auto it = _children.find(pid);
		if (it == _children.end()) continue;
		const Child child = it->second;
		_children.erase(it);
		_stats.release(child.slot);
		if (_stopping || child.generation != _generation) continue; // expected: drained or replaced

		if (child.retiring) // its replacement started when it announced the drain
		{
			if (WIFSIGNALED(status))
				log().warning("retiring worker %d killed by signal %d", static_cast<int>(pid), WTERMSIG(status));
			continue;
		}
		const bool recycled = WIFEXITED(status) && WEXITSTATUS(status) == Worker::kExitRecycle;
		if (recycled)
		{
			++_recycles;
			if (_stats.valid()) _stats.header().recycles.fetch_add(1);
			log().information("worker %d recycled; starting a new one", static_cast<int>(pid));
		}
		else
		{
			++_respawns;
			if (_stats.valid()) _stats.header().respawns.fetch_add(1);
			if (WIFSIGNALED(status))
				log().warning("worker %d killed by signal %d; respawning", static_cast<int>(pid), WTERMSIG(status));
			else
				log().warning("worker %d exited with code %d; respawning", static_cast<int>(pid), WEXITSTATUS(status));
		}
		const bool tooSoon = std::chrono::steady_clock::now() - child.started < kMinLifetime;
		if (tooSoon && !recycled)
			_pendingSpawns.push_back(std::chrono::steady_clock::now() + kRespawnBackoff);
		else
			spawn();
	}
}

void Supervisor::reload()
{
	try
	{
		std::string text = _configPath.empty() ? std::string() : Settings::readFile(_configPath);
		Wiper wiper(text); // it may hold db.password
		Settings fresh = Settings::parse(text, _configPath, Settings::processEnv);
		if (fresh.socketPath != _settings.socketPath)
			log().warning("server.socket changed; the new path takes effect at the next restart");
		fresh.socketPath = _settings.socketPath;
		for (const auto& warning : fresh.warnings) log().warning("%s", warning);
		if (fresh.adminTokenHash.empty())
			log().warning("no admin token configured (NEXUS_ADMIN_TOKEN or auth.admin_token_hash_file): admin "
			              "routes refuse every caller");
		_settings = std::move(fresh);
		_configText.swap(text); // new workers get this text; the old one is wiped with text
	}
	catch (const ConfigError& e)
	{
		log().error("reload refused, keeping the running workers: %s", std::string(e.what()));
		return;
	}
	// Start the new generation first, then drain the old one: no gap in service.
	const int old = _generation++;
	publishSettings();
	_pendingSpawns.clear();
	for (int i = 0; i < _settings.workers; ++i) spawn();
	for (const auto& [pid, child] : _children)
		if (child.generation == old) ::kill(pid, SIGTERM);
	log().information("reloaded: %d new workers started, the old ones are draining", _settings.workers);
}

void Supervisor::retire(pid_t pid)
{
	auto it = _children.find(pid);
	if (_stopping || it == _children.end() || it->second.generation != _generation || it->second.retiring) return;
	it->second.retiring = true;
	++_recycles;
	if (_stats.valid()) _stats.header().recycles.fetch_add(1);
	log().information("worker %d recycled; starting a new one", static_cast<int>(pid));
	spawn();
}

void Supervisor::stopAll()
{
	_stopping = true;
	for (const auto& entry : _children) ::kill(entry.first, SIGTERM);
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(_settings.drainTimeoutMs + 2000);
	while (!_children.empty() && std::chrono::steady_clock::now() < deadline)
	{
		reap();
		std::this_thread::sleep_for(std::chrono::milliseconds(20));
	}
	for (const auto& entry : _children)
	{
		log().warning("worker %d did not drain in time; killing it", static_cast<int>(entry.first));
		::kill(entry.first, SIGKILL);
	}
	while (!_children.empty() && ::waitpid(-1, nullptr, 0) > 0) _children.erase(_children.begin());
}

void Supervisor::publishSettings()
{
	if (!_stats.valid()) return;
	auto& h = _stats.header();
	h.generation.store(static_cast<std::uint64_t>(_generation));
	h.workers.store(static_cast<std::uint64_t>(_settings.workers));
	h.threads.store(static_cast<std::uint64_t>(_settings.threads));
}

void Supervisor::warnIfBacklogCapped(int backlog)
{
	// listen() silently takes min(backlog, net.core.somaxconn).
	std::ifstream in("/proc/sys/net/core/somaxconn");
	long somaxconn = 0;
	if (in >> somaxconn && somaxconn < backlog)
		log().warning("server.backlog is %d but net.core.somaxconn is %ld, so the socket's queue holds %ld: raise "
		              "net.core.somaxconn (sysctl) or lower server.backlog",
		              backlog, somaxconn, somaxconn);
}

int Supervisor::run()
{
	sigset_t signals = masterSignals();
	::sigprocmask(SIG_BLOCK, &signals, nullptr);
	try
	{
		_listenFd = openSocket(_settings.socketPath, _settings.socketMode, _settings.backlog);
		warnIfBacklogCapped(_settings.backlog);
	}
	catch (const std::exception& e)
	{
		log().fatal(e.what());
		return Worker::kExitConfig;
	}
	try
	{
		_stats = PoolStats::create();
		_stats.header().masterPid.store(::getpid());
		_stats.header().startedMs.store(Poco::Timestamp().epochMicroseconds() / 1000);
		publishSettings();
	}
	catch (const std::exception& e)
	{
		log().warning("%s; requests will not be counted", std::string(e.what()));
	}
	log().information("listening on %s; starting %d workers of %d threads", _settings.socketPath, _settings.workers,
	                  _settings.threads);
	for (int i = 0; i < _settings.workers; ++i) spawn();

	const timespec tick = {0, 200L * 1000 * 1000};
	while (!_stopping)
	{
		siginfo_t info;
		const int sig = ::sigtimedwait(&signals, &info, &tick);
		switch (sig)
		{
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			log().information("signal %d: draining the workers", sig);
			stopAll();
			break;
		case SIGHUP: reload(); break;
		case SIGUSR1: retire(info.si_pid); break;
		default: break;
		}
		if (_stopping) break;
		reap();
		const auto now = std::chrono::steady_clock::now();
		const auto due =
		    std::partition(_pendingSpawns.begin(), _pendingSpawns.end(), [now](auto t) { return t > now; });
		const auto count = std::distance(due, _pendingSpawns.end());
		_pendingSpawns.erase(due, _pendingSpawns.end());
		for (long i = 0; i < count; ++i) spawn();
	}
	::close(_listenFd);
	::unlink(_settings.socketPath.c_str());
	log().information("stopped (%ld respawns, %ld recycles)", _respawns, _recycles);
	return 0;
}

} // namespace Nexus
