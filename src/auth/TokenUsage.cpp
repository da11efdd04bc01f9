#include "auth/TokenUsage.h"

#include "db/Database.h"

#include <Poco/Logger.h>

#include <chrono>
#include <exception>

namespace Nexus {
namespace Auth {

TokenUsage::TokenUsage(Writer write, int intervalMs): _write(std::move(write)), _intervalMs(intervalMs) {}

TokenUsage::~TokenUsage()
{
	try
	{
		stop();
	}
	catch (...)
	{
		// A destructor does not throw; stop() already logged what went wrong.
	}
}

void TokenUsage::record(const std::string& tokenHash)
{
	std::lock_guard<std::mutex> lock(_mutex);
	if (_pending.size() < kMaxPending) _pending.insert(tokenHash);
}

std::size_t TokenUsage::pending() const
{
	std::lock_guard<std::mutex> lock(_mutex);
	return _pending.size();
}

std::size_t TokenUsage::flush()
{
	std::lock_guard<std::mutex> flushing(_flushMutex);
	std::set<std::string> taken;
	{
		std::lock_guard<std::mutex> lock(_mutex);
		taken.swap(_pending);
	}
	const Poco::Timestamp at;
	std::size_t written = 0;
	std::vector<std::string> batch;
	batch.reserve(kBatch);
	for (auto it = taken.begin(); it != taken.end();)
	{
		batch.clear();
		auto end = it;
		for (std::size_t n = 0; end != taken.end() && n < kBatch; ++n, ++end) batch.push_back(*end);
		try
		{
			_write(batch, at);
		}
		catch (...)
		{
			// Keep this batch and the rest for the next flush.
			std::lock_guard<std::mutex> lock(_mutex);
			for (auto left = it; left != taken.end() && _pending.size() < kMaxPending; ++left) _pending.insert(*left);
			throw;
		}
		written += batch.size();
		it = end;
	}
	return written;
}

void TokenUsage::start()
{
	if (_thread.joinable()) return;
	{
		std::lock_guard<std::mutex> lock(_runMutex);
		_stop = false;
	}
	_thread = std::thread([this] { run(); });
}

void TokenUsage::stop()
{
	{
		std::lock_guard<std::mutex> lock(_runMutex);
		_stop = true;
	}
	_wake.notify_all();
	if (_thread.joinable()) _thread.join();
}

void TokenUsage::run()
{
	Db::Database::threadInit();
	bool failing = false;
	bool last = false;
	while (!last)
	{
		{
			std::unique_lock<std::mutex> lock(_runMutex);
			_wake.wait_for(lock, std::chrono::milliseconds(_intervalMs), [this] { return _stop; });
			last = _stop; // stopping: one last flush, then out
		}
		try
		{
			flush();
			if (failing) Poco::Logger::get("auth").information("token usage: recording again");
			failing = false;
		}
		catch (const std::exception& e)
		{
			if (!failing)
				Poco::Logger::get("auth").warning("token usage: last_used_at not written (kept for the next try): %s",
				                                  std::string(e.what()));
			failing = true;
		}
	}
	Db::Database::threadEnd();
}

} // namespace Auth
} // namespace Nexus
