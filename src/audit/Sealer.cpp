#include "audit/Sealer.h"

#include "audit/AuditKey.h"
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
#include <utility>
#include <vector>

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

/// Thrown when the seal lease was taken by another sealer meanwhile.
struct LostLease : std::runtime_error
{
	LostLease(): std::runtime_error("the seal lease expired and another sealer took it") {}
};

/// The head must not be behind what this sealer saw before, nor behind the
/// seq the keyring keys the chain from; throws Sealer::ChainRegressed.
void checkHead(std::uint64_t seq, const std::string& hash, const AuditKey* key, const Sealer::Memory* memory)
{
	if (memory && memory->head &&
	    (seq < memory->head->first || (seq == memory->head->first && hash != memory->head->second)))
		throw Sealer::ChainRegressed("the audit chain's head went back: it was seq " +
		                             std::to_string(memory->head->first) + " hash " + memory->head->second +
		                             " and is now seq " + std::to_string(seq) + " hash " + hash +
		                             " (rows were cut or changed in the database); not sealing while it is behind");
	if (key && seq + 1 < key->keyedFrom)
		throw Sealer::ChainRegressed("the audit chain ends at seq " + std::to_string(seq) +
		                             ", but the keyring keys it from seq " + std::to_string(key->keyedFrom) +
		                             ": rows were cut from its end; not sealing");
}

/// Why row may not be chained under key, or "" when it may.
std::string refusal(const Entry& row, const AuditKey* key)
{
	if (!key) return "";
	if (!row.rowMac)
		return "it has no row MAC (it was not written by Nexus, or written before the keyring had an "
		       "integrity key)";
	if (*row.rowMac != Chain::rowMac(key->rowKey, row))
		return "its row MAC does not match its content (it was changed in the database)";
	return "";
}

/// One batch in one transaction, of the rows from id fromId on; returns how
/// many rows it looked at, counts what it sealed and refused in pass, and
/// moves fromId past the batch.
std::size_t sealBatch(const AuditStore::SealLock& lock, const std::string& cutoff, std::uint64_t& fromId,
                      const AuditKey* key, Sealer::Memory* memory, Sealer::Pass& pass)
{
	Db::Transaction tx;
	// The fence first: a sealer whose lease was taken seals nothing.
	if (!lock.confirm()) throw LostLease();
	const auto head = AuditStore::lockHead();
	std::uint64_t seq = head ? head->seq.value_or(0) : 0;
	std::string prev = head && head->hash ? *head->hash : Chain::kGenesis;
	checkHead(seq, prev, key, memory);
	if (memory) memory->head = std::make_pair(seq, prev);
	pass.headSeq = seq;
	auto rows = AuditStore::unsealed(fromId, cutoff, Sealer::kBatch);
	if (rows.empty()) return 0;
	std::vector<Entry> chained;
	chained.reserve(rows.size());
	for (auto& row : rows)
	{
		const std::string why = refusal(row, key);
		if (!why.empty())
		{
			if (!memory || memory->refused.insert(row.id).second) pass.refused.emplace_back(row.id, why);
			continue;
		}
		row.seq = ++seq;
		row.prevHash = prev;
		row.hash = Chain::hash(prev, row, key);
		prev = *row.hash;
		chained.push_back(std::move(row));
	}
	fromId = rows.back().id + 1;
	if (chained.empty()) return rows.size();
	if (!AuditStore::seal(chained, lock.epoch())) throw LostRace();
	tx.commit();
	if (memory) memory->head = std::make_pair(seq, prev);
	pass.headSeq = seq;
	pass.headHash = prev;
	pass.sealed += chained.size();
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

Sealer::Pass Sealer::sealNow(int delayMs, int lockWaitSeconds, const std::atomic<bool>* stop, Memory* memory)
{
	return Db::Database::run([&] {
		Pass pass;
		AuditStore::SealLock lock(lockWaitSeconds);
		if (!lock.acquired()) return pass;
		pass.locked = true;
		// Read under the lock: `nexusctl vault mac-key` holds it while the
		// workers' keyrings catch up, so no pass chains with an old one.
		const AuditKeyPtr key = KeySource::current();
		AuditStore::useReadCommitted();
		const Poco::Timestamp cutoff = Poco::Timestamp() - Poco::Timestamp::TimeDiff(delayMs) * 1000;
		const std::string cutoffText = Time::toSql(cutoff);
		// A row that commits behind fromId during the pass waits for the next one.
		std::uint64_t fromId = AuditStore::firstUnsealedId().value_or(std::numeric_limits<std::uint64_t>::max());
		try
		{
			for (;;)
			{
				const std::size_t n = sealBatch(lock, cutoffText, fromId, key.get(), memory, pass);
				if (n < kBatch || (stop && *stop)) break;
			}
		}
		catch (const LostRace&)
		{
			log().information("audit sealer: %s; leaving this pass to it", std::string(LostRace().what()));
		}
		catch (const LostLease&)
		{
			log().warning("audit sealer: %s; leaving this pass to it", std::string(LostLease().what()));
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
			const Pass pass = sealNow(_settings.auditSealDelayMs, 0, &_stop, &_memory);
			for (const auto& refused : pass.refused)
				log().error("audit sealer: not chaining row %s: %s", std::to_string(refused.first), refused.second);
			// The head, outside the database: what `nexusctl audit verify --head`
			// checks later (a database writer cannot take it back from the log).
			if (pass.sealed > 0)
				log().information("audit chain head: seq %s hash %s (%s rows sealed)", std::to_string(pass.headSeq),
				                  pass.headHash, std::to_string(pass.sealed));
			// A pass that did not get the lock proves nothing either way.
			if (pass.locked)
			{
				if (failing) log().information("audit sealer: sealing again");
				failing = false;
			}
		}
		catch (const ChainRegressed& e)
		{
			if (!failing) log().error("audit sealer: %s", std::string(e.what()));
			failing = true;
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
