#pragma once

#include "config/Settings.h"
#include "db/Database.h"
#include "server/Service.h"

#include <fcgiapp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace Nexus {

/// One worker process: settings.threads threads taking turns (under a
/// mutex) to accept FastCGI requests on a listening socket inherited from
/// the master, and a watchdog that enforces the request deadline.
///
/// The worker stops accepting and drains (in-flight requests finish) on
/// SIGTERM/SIGINT/SIGQUIT, after settings.maxRequests (+ jitter) requests, or
/// when a request passes its deadline (that request gets a 503 and the
/// worker is recycled rather than left hung). A streamed body is written
/// after its handler returned, outside the watchdog's reach: its 200 is out,
/// so the deadline cuts the body short instead (FcgiAdapter::write).
class Worker
{
public:
	/// Exit codes the master understands.
	static constexpr int kExitStopped = 0;  ///< asked to stop
	static constexpr int kExitRecycle = 75; ///< stopped by itself, replace me
	static constexpr int kExitConfig = 78;  ///< cannot start with this configuration

	Worker(const Settings& settings, int listenFd);
	Worker(const Worker&) = delete;
	Worker& operator=(const Worker&) = delete;
	~Worker();

	/// Serves until stopped; returns the exit code. May _exit() when a
	/// request is still stuck after the drain timeout.
	int run();

private:
	enum class State
	{
		Starting,
		Accepting,
		Handling,
		Done
	};

	struct Slot : Db::CommitGate
	{
		std::thread thread;
		std::atomic<State> state{State::Starting};
		std::mutex mutex; ///< guards request output between thread and watchdog
		FCGX_Request request;
		bool active = false;     ///< a handler is running on request
		bool timedOut = false;   ///< the watchdog answered and finished it
		bool committing = false; ///< a commit holds the gate: the watchdog waits
		std::chrono::steady_clock::time_point started;
		std::string requestId;

		/// The handler's commits: refused once the watchdog has answered.
		bool enter() override;
		void leave() override;
	};

	void serve(Slot& slot);
	void watch();
	void requestStop(int code, const std::string& why);

	const Settings& _settings;
	const int _listenFd;
	Service _service;
	std::vector<std::unique_ptr<Slot>> _slots;
	std::mutex _acceptMutex;
	std::atomic<bool> _stopping{false};
	std::atomic<int> _exitCode{kExitStopped};
	std::atomic<long> _served{0};
	long _requestLimit = 0;

	std::thread _watchdog;
	std::mutex _watchMutex;
	std::condition_variable _watchWake;
	bool _watchStop = false;
};

} // namespace Nexus
