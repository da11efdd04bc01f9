#include "server/Worker.h"

#include "audit/Sealer.h"
#include "db/Database.h"
#include "server/FcgiAdapter.h"
#include "vault/AuditKeys.h"

#include <Poco/Logger.h>
#include <Poco/Random.h>

#include <cerrno>
#include <csignal>
#include <pthread.h>
#include <unistd.h>

namespace Nexus {

namespace {

const auto kWatchInterval = std::chrono::milliseconds(50);
const auto kWakeInterval = std::chrono::milliseconds(20);

/// SIGUSR1 interrupts a thread blocked in accept(); the handler does nothing.
void onWake(int) {}

Poco::Logger& log()
{
	return Poco::Logger::get("worker");
}

} // namespace

Worker::Worker(const Settings& settings, int listenFd): _settings(settings), _listenFd(listenFd), _service(settings)
{
	if (settings.maxRequests > 0)
	{
		Poco::Random random;
		random.seed();
		_requestLimit = settings.maxRequests +
		                (settings.maxRequestsJitter > 0
		                     ? static_cast<long>(random.next(static_cast<Poco::UInt32>(settings.maxRequestsJitter) + 1))
		                     : 0);
	}
}

Worker::~Worker() = default;

void Worker::requestStop(int code, const std::string& why)
{
	bool expected = false;
	if (_stopping.compare_exchange_strong(expected, true))
	{
		_exitCode = code;
		log().information("worker %d stopping: %s", static_cast<int>(::getpid()), why);
		// Tell the master now, so the replacement starts while this one drains.
		if (code == kExitRecycle) ::kill(::getppid(), SIGUSR1);
	}
}

int Worker::run()
{
	FCGX_Init();

	struct sigaction wake = {};
	wake.sa_handler = onWake;
	sigemptyset(&wake.sa_mask);
	wake.sa_flags = 0; // no SA_RESTART: accept() must return EINTR
	sigaction(SIGUSR1, &wake, nullptr);
	std::signal(SIGPIPE, SIG_IGN);

	// Only this thread takes the stop signals; the serving threads inherit the mask.
	sigset_t stopSignals;
	sigemptyset(&stopSignals);
	sigaddset(&stopSignals, SIGTERM);
	sigaddset(&stopSignals, SIGINT);
	sigaddset(&stopSignals, SIGQUIT);
	sigaddset(&stopSignals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

	// Audit rows get their row MAC, and the chain its key, from the keyring.
	Vault::AuditKeys::install(_settings.vaultKeyringFile);
	for (int i = 0; i < _settings.threads; ++i) _slots.push_back(std::make_unique<Slot>());
	for (auto& slot : _slots) slot->thread = std::thread([this, s = slot.get()] { serve(*s); });
	_watchdog = std::thread([this] { watch(); });
	// Every worker runs a sealer; a database lock lets one at a time work.
	Audit::Sealer sealer(_settings);
	sealer.start();
	// last_used_at of the agent tokens this worker sees, written every auth.token_usage_flush_s.
	_service.tokenUsage().start();
	log().information("worker %d serving with %d threads", static_cast<int>(::getpid()), _settings.threads);

	const timespec tick = {0, 100L * 1000 * 1000};
	while (!_stopping)
	{
		siginfo_t info;
		const int sig = sigtimedwait(&stopSignals, &info, &tick);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT)
			requestStop(kExitStopped, "signal " + std::to_string(sig));
		// SIGHUP is the master's business (it replaces the workers); ignore it here.
	}

	// Drain: wake the threads blocked in accept() until every thread (and
	// the sealer, which stops after its current batch) is done.
	sealer.requestStop();
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(_settings.drainTimeoutMs);
	for (;;)
	{
		bool allDone = sealer.finished();
		for (auto& slot : _slots)
		{
			const State state = slot->state;
			if (state == State::Done) continue;
			allDone = false;
			if (state == State::Accepting || state == State::Starting)
				pthread_kill(slot->thread.native_handle(), SIGUSR1);
		}
		if (allDone) break;
		if (std::chrono::steady_clock::now() > deadline)
		{
			log().warning("worker %d: requests still running after the drain timeout; exiting anyway",
			              static_cast<int>(::getpid()));
			std::_Exit(_exitCode);
		}
		std::this_thread::sleep_for(kWakeInterval);
	}
	for (auto& slot : _slots) slot->thread.join();
	sealer.join();
	_service.tokenUsage().stop(); // a last flush, after the last request
	{
		std::lock_guard<std::mutex> lock(_watchMutex);
		_watchStop = true;
	}
	_watchWake.notify_all();
	_watchdog.join();
	log().information("worker %d stopped after %ld requests", static_cast<int>(::getpid()), _served.load());
	return _exitCode;
}

bool Worker::Slot::enter()
{
	std::lock_guard<std::mutex> lock(mutex);
	if (timedOut) return false;
	committing = true;
	return true;
}

void Worker::Slot::leave()
{
	std::lock_guard<std::mutex> lock(mutex);
	committing = false;
}

void Worker::serve(Slot& slot)
{
	Db::Database::threadInit();
	// A request's commits and its deadline: one of them wins (Db::CommitGate).
	Db::Transaction::setGate(&slot);
	FCGX_InitRequest(&slot.request, _listenFd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!_stopping)
	{
		slot.state = State::Accepting;
		int rc;
		{
			std::lock_guard<std::mutex> lock(_acceptMutex);
			if (_stopping) break;
			rc = FCGX_Accept_r(&slot.request);
		}
		if (rc < 0)
		{
			if (_stopping || rc == -EINTR) continue;
			log().error("accept failed: error %d", -rc);
			std::this_thread::sleep_for(std::chrono::milliseconds(100));
			continue;
		}
		slot.state = State::Handling;

		Http::Response response;
		auto request = FcgiAdapter::read(slot.request, _settings.maxBodyBytes, response);
		{
			std::lock_guard<std::mutex> lock(slot.mutex);
			slot.active = true;
			slot.started = std::chrono::steady_clock::now();
			slot.requestId = request ? request->requestId() : std::string();
		}
		if (request) response = _service.handle(*request);
		const auto deadline = slot.started + std::chrono::milliseconds(_settings.requestTimeoutMs);
		bool complete = true;
		{
			std::lock_guard<std::mutex> lock(slot.mutex);
			slot.active = false;
			if (slot.timedOut) break; // the watchdog answered and finished it
			if (!response.streamed()) FcgiAdapter::write(slot.request, response, deadline);
		}
		// A streamed body is written outside the lock (the watchdog, which
		// skips inactive slots, must not wait on it): once its 200 is out
		// the watchdog could not answer anyway. Its sink enforces the deadline.
		if (response.streamed()) complete = FcgiAdapter::write(slot.request, response, deadline);
		if (complete)
			FCGX_Finish_r(&slot.request);
		else
			FcgiAdapter::abort(slot.request);
		response = Http::Response(); // a streamed body's reader ends its transaction now
		if (_requestLimit > 0 && ++_served >= _requestLimit)
			requestStop(kExitRecycle, "served " + std::to_string(_served.load()) + " requests");
		else if (_requestLimit == 0)
			++_served;
	}
	Db::Transaction::setGate(nullptr);
	Db::Database::threadEnd();
	slot.state = State::Done;
}

void Worker::watch()
{
	const auto timeout = std::chrono::milliseconds(_settings.requestTimeoutMs);
	std::unique_lock<std::mutex> watchLock(_watchMutex);
	while (!_watchStop)
	{
		_watchWake.wait_for(watchLock, kWatchInterval);
		const auto now = std::chrono::steady_clock::now();
		for (auto& slot : _slots)
		{
			std::lock_guard<std::mutex> lock(slot->mutex);
			// A commit under way finishes first: its answer then goes out, not a 503.
			if (!slot->active || slot->timedOut || slot->committing || now - slot->started < timeout) continue;
			slot->timedOut = true;
			const Http::Response response =
			    Service::reject(slot->requestId, Http::Unavailable("the request did not finish within " +
			                                                       std::to_string(_settings.requestTimeoutMs) +
			                                                       " ms; nothing it was changing is committed"));
			FcgiAdapter::write(slot->request, response, std::chrono::steady_clock::time_point::max());
			FCGX_Finish_r(&slot->request);
			requestStop(kExitRecycle,
			            "a request passed its deadline of " + std::to_string(_settings.requestTimeoutMs) + " ms");
		}
	}
}

} // namespace Nexus
