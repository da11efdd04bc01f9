#include "audit/Sealer.h"

#include "audit/AuditStore.h"
#include "audit/Chain.h"
#include "config/Settings.h"
#include "db/Database.h"
#include "util/Time.h"

#include <Poco/Logger.h>
#include <Poco/Timestamp.h>

#include <chrono>
#include <limits>
#include <string>

namespace Nexus {
namespace Audit {

namespace {

Poco::Logger& log()
{
	return Poco::Logger::get("audit");
}

/// Thrown when a row of the batch was sealed by someone else meanwhile.
struct LostRace : std::runtime_error
{
	LostRace(): std::runtime_error("another sealer sealed the same rows") {}
};

/// One batch in one transaction, of the rows from id fromId on; returns how
/// many rows it sealed, updates headSeq, and moves fromId past the batch.
std::size_t sealBatch(const std::string& cutoff, std::uint64_t& fromId, std::uint64_t& headSeq, std::string& headHash)
{
	Db::Transaction tx;
	const auto head = AuditStore::lockHead();
	std::uint64_t seq = head ? head->seq.value_or(0) : 0;
	std::string prev = head && head->hash ? *head->hash : Chain::kGenesis;
	headSeq = seq;
	auto rows = AuditStore::unsealed(fromId, cutoff, Sealer::kBatch);
	if (rows.empty()) return 0;
	for (auto& row : rows)
	{
		row.seq = ++seq;
		row.prevHash = prev;
		row.hash = Chain::hash(prev, row);
		prev = *row.hash;
	}
	if (!AuditStore::seal(rows)) throw LostRace();
	tx.commit();
	headSeq = seq;
	headHash = prev;
	fromId = rows.back().id + 1;
	return rows.size();
}

} // namespace

Sealer::Sealer(const Settings& settings): _settings(settings) {}

Sealer::~Sealer()
{
	join();
}

void Sealer::start()
{
	if (_thread.joinable()) return;
	_stop = false;
	_finished = false;
	_thread = std::thread([this] { run(); });
}

void Sealer::requestStop()
{
	{
		std::lock_guard<std::mutex> lock(_mutex);
		_stop = true;
	}
	_wake.notify_all();
}

void Sealer::join()
{
	requestStop();
	if (_thread.joinable()) _thread.join();
}

Sealer::Pass Sealer::sealNow(int delayMs, int lockWaitSeconds, const std::atomic<bool>* stop)
{
	return Db::Database::run([&] {
		Pass pass;
		AuditStore::SealLock lock(lockWaitSeconds);
		if (!lock.acquired()) return pass;
		pass.locked = true;
		AuditStore::useReadCommitted();
		const Poco::Timestamp cutoff = Poco::Timestamp() - Poco::Timestamp::TimeDiff(delayMs) * 1000;
		const std::string cutoffText = Time::toSql(cutoff);
		// A row that commits behind fromId during the pass waits for the next one.
		std::uint64_t fromId = AuditStore::firstUnsealedId().value_or(std::numeric_limits<std::uint64_t>::max());
		try
		{
			for (;;)
			{
				const std::size_t n = sealBatch(cutoffText, fromId, pass.headSeq, pass.headHash);
				pass.sealed += n;
				if (n < kBatch || (stop && *stop)) break;
			}
		}
		catch (const LostRace&)
		{
			log().information("audit sealer: %s; leaving this pass to it", std::string(LostRace().what()));
		}
		catch (const sql::SQLException& e)
		{
			if (e.getErrorCode() != Db::Database::kDuplicateKey) throw;
			log().information("audit sealer: another sealer took the next seq; leaving this pass to it");
		}
		return pass;
	});
}

void Sealer::run()
{
	Db::Database::threadInit();
	const auto interval = std::chrono::milliseconds(_settings.auditSealIntervalMs);
	bool failing = false;
	std::unique_lock<std::mutex> lock(_mutex);
	while (!_stop)
	{
		_wake.wait_for(lock, interval, [this] { return _stop.load(); });
		if (_stop) break;
		lock.unlock();
		try
		{
			const Pass pass = sealNow(_settings.auditSealDelayMs, 0, &_stop);
			// The head, outside the database: what `nexusctl audit verify --head`
			// checks later (a database writer cannot take it back from the log).
			if (pass.sealed > 0)
				log().information("audit chain head: seq %s hash %s (%s rows sealed)", std::to_string(pass.headSeq),
				                  pass.headHash, std::to_string(pass.sealed));
			if (failing) log().information("audit sealer: sealing again");
			failing = false;
		}
		catch (const std::exception& e)
		{
			if (!failing)
				log().warning("audit sealer: pass failed, retrying every interval: %s", std::string(e.what()));
			failing = true;
		}
		lock.lock();
	}
	lock.unlock();
	Db::Database::threadEnd();
	_finished = true;
}

} // namespace Audit
} // namespace Nexus
