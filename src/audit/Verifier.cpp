#include "audit/Verifier.h"

#include "audit/AuditStore.h"
#include "db/Database.h"

#include "util/Time.h"

#include <Poco/Timestamp.h>

#include <algorithm>
#include <utility>

namespace Nexus {
namespace Audit {

namespace {

/// What is wrong with the content of any row (sealed or not), or "".
std::string malformedContent(const Entry& entry)
{
	if (!Chain::isTime(entry.at)) return "malformed time '" + entry.at + "'";
	if (!Chain::isOutcome(entry.outcome)) return "malformed outcome '" + entry.outcome + "'";
	if (entry.action.empty()) return "empty action";
	return "";
}

/// What is wrong with the row MAC of a row that must carry one, or "".
std::string badRowMac(const Entry& entry, const AuditKey& key)
{
	if (!entry.rowMac) return "no row MAC (not written by Nexus with this keyring)";
	if (*entry.rowMac != Chain::rowMac(key.rowKey, entry))
		return "row MAC mismatch (its content was changed in the database)";
	return "";
}

} // namespace

void Verifier::report(const Entry& entry, const std::string& what)
{
	if (!_first) _first = Problem{entry.id, entry.seq, what};
	++_problems;
}

void Verifier::expectHead(std::uint64_t seq, const std::string& hash)
{
	_recordedHead = std::make_pair(seq, hash);
}

void Verifier::expectSealedBefore(const std::string& cutoff)
{
	_sealedBefore = cutoff;
}

void Verifier::useKey(AuditKeyPtr key)
{
	_key = std::move(key);
}

void Verifier::finish()
{
	if (_key && _headSeq + 1 < _key->keyedFrom)
	{
		Entry none;
		none.seq = _key->keyedFrom;
		report(none, "the keyring keys the chain from seq " + std::to_string(_key->keyedFrom) +
		                 ", but it ends at seq " + std::to_string(_headSeq) + ": rows were cut from its end");
	}
	if (_recordedHead && !_recordedHeadSeen)
	{
		Entry none;
		none.seq = _recordedHead->first;
		report(none, "the recorded head seq " + std::to_string(_recordedHead->first) +
		                 " is not in the chain (it ends at seq " + std::to_string(_headSeq) +
		                 "): rows were cut from its end");
	}
}

void Verifier::sealed(const Entry& entry)
{
	++_sealed;
	const std::uint64_t seq = entry.seq.value_or(0);
	if (_recordedHead && seq == _recordedHead->first)
	{
		_recordedHeadSeen = true;
		if (entry.hash.value_or("") != _recordedHead->second)
			report(entry, "not the recorded head: its hash is not " + _recordedHead->second +
			                  " (the chain was rewritten from here or before)");
	}
	std::string problem = malformedContent(entry);
	if (problem.empty() && Chain::keyed(_key.get(), seq)) problem = badRowMac(entry, *_key);
	if (!entry.prevHash || !Chain::isHash(*entry.prevHash) || !entry.hash || !Chain::isHash(*entry.hash))
		report(entry, "malformed: a sealed row needs prev_hash and hash of 64 hex digits");
	else if (!problem.empty())
		report(entry, problem);
	else if (seq != _expectedSeq)
		report(entry, seq > _expectedSeq ? "seq gap: " +
		                                       (seq - _expectedSeq == 1 ? "seq " + std::to_string(_expectedSeq)
		                                                                : "seq " + std::to_string(_expectedSeq) + ".." +
		                                                                      std::to_string(seq - 1)) +
		                                       " missing"
		                                 : "seq out of order: expected " + std::to_string(_expectedSeq));
	else if (*entry.prevHash != _prevHash)
		report(entry, "prev_hash does not match the hash of seq " + std::to_string(seq - 1));
	else if (Chain::hash(*entry.prevHash, entry, _key.get()) != *entry.hash)
		report(entry, Chain::keyed(_key.get(), seq) ? "hash mismatch (keyed chain: not chained by Nexus with this "
		                                              "keyring's key)"
		                                            : "hash mismatch");
	// Carry on from what is stored, so one bad row is reported once.
	_expectedSeq = seq + 1;
	_headSeq = seq;
	_prevHash = entry.hash.value_or("");
}

void Verifier::unsealed(const Entry& entry)
{
	++_unsealed;
	if (_oldestUnsealed.empty() || entry.at < _oldestUnsealed) _oldestUnsealed = entry.at;
	std::string problem = malformedContent(entry);
	if (problem.empty() && _key) problem = badRowMac(entry, *_key);
	if (problem.empty() && !_sealedBefore.empty() && entry.at <= _sealedBefore)
		problem = "unsealed since " + entry.at +
		          " UTC, longer than the sealer ever takes: it is not running, or the row was taken out of the "
		          "chain (its seq and hashes cleared)";
	if (entry.prevHash || entry.hash)
		report(entry, "malformed: an unsealed row (no seq) carries a hash");
	else if (!problem.empty())
		report(entry, problem);
}

std::string Verifier::summary() const
{
	std::string text;
	if (_first)
	{
		text = std::string("audit chain broken") + (_first->id ? " at row " + std::to_string(_first->id) : "") +
		       (_first->seq ? " (seq " + std::to_string(*_first->seq) + ")" : " (unsealed)") + ": " + _first->what +
		       "\n";
		text += std::to_string(_problems) + (_problems == 1 ? " problem" : " problems") + " in " +
		        std::to_string(_sealed) + " sealed and " + std::to_string(_unsealed) + " unsealed rows\n";
		return text;
	}
	text = "audit chain intact: " + std::to_string(_sealed) + " sealed rows";
	if (_sealed > 0) text += " (seq 1.." + std::to_string(_headSeq) + ", head hash " + _prevHash + ")";
	text += "; " + std::to_string(_unsealed) + " unsealed rows";
	if (_unsealed > 0) text += " waiting for the sealer (oldest at " + _oldestUnsealed + " UTC)";
	text += "\n";
	if (_key)
		text += "keyed from seq " + std::to_string(_key->keyedFrom) +
		        " on (rows and chain authenticated with the keyring)\n";
	else
		text += "not keyed: the keyring has no integrity key, so a database writer could rewrite the chain "
		        "(add one with `nexusctl vault mac-key`)\n";
	return text;
}

std::int64_t Verifier::unsealedLimitMs(int sealDelayMs, int sealIntervalMs)
{
	return std::max<std::int64_t>(60000, std::int64_t{sealDelayMs} + std::int64_t{10} * sealIntervalMs);
}

Verifier Verifier::forSettings(int sealDelayMs, int sealIntervalMs, AuditKeyPtr key)
{
	Verifier verifier;
	const Poco::Timestamp cutoff =
	    Poco::Timestamp() - Poco::Timestamp::TimeDiff(unsealedLimitMs(sealDelayMs, sealIntervalMs)) * 1000;
	verifier.expectSealedBefore(Time::toSql(cutoff));
	verifier.useKey(std::move(key));
	return verifier;
}

Verifier Verifier::verifyDatabase(Verifier expected, std::size_t batch)
{
	return Db::Database::run([&] {
		Verifier verifier = expected;
		// One REPEATABLE READ snapshot: a row sealed while we walk is seen
		// once, as it was when the walk began.
		AuditStore::useRepeatableRead();
		Db::Transaction snapshot;
		for (std::uint64_t after = 0;;)
		{
			const auto rows = AuditStore::sealedAfter(after, batch);
			for (const auto& row : rows) verifier.sealed(row);
			if (rows.size() < batch) break;
			after = rows.back().seq.value_or(after);
		}
		for (std::uint64_t after = 0;;)
		{
			const auto rows = AuditStore::unsealedAfter(after, batch);
			for (const auto& row : rows) verifier.unsealed(row);
			if (rows.size() < batch) break;
			after = rows.back().id;
		}
		snapshot.commit();
		verifier.finish();
		return verifier;
	});
}

} // namespace Audit
} // namespace Nexus
