// Verifier: what `nexusctl audit verify` finds in a chain of rows, without a
// database: intact chains, edited rows, missing rows, broken links,
// malformed rows, and the report it prints.
#include "audit/Verifier.h"
#include "audit/Chain.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

using Nexus::Audit::Chain;
using Nexus::Audit::Entry;
using Nexus::Audit::Verifier;

using NexusTest::contains;

namespace {

/// n rows with ids 101.., sealed with seq 1.. (row 104 committed late, so it
/// is sealed last: seal order, not id order, is chain order).
/// A key for tests: fixed bytes, keyed from seq keyedFrom.
Nexus::Audit::AuditKeyPtr testKey(std::uint64_t keyedFrom = 1, char fill = 'k')
{
	auto key = std::make_shared<Nexus::Audit::AuditKey>();
	key->rowKey = std::string(32, fill);
	key->chainKey = std::string(32, static_cast<char>(fill + 1));
	key->keyedFrom = keyedFrom;
	return key;
}

/// rows re-chained from the first on, as the sealer would with key (row
/// MACs too, for the keyed rows).
void rechain(std::vector<Entry>& rows, const Nexus::Audit::AuditKey* key)
{
	std::string prev = Chain::kGenesis;
	for (auto& e : rows)
	{
		if (Chain::keyed(key, *e.seq)) e.rowMac = Chain::rowMac(key->rowKey, e);
		e.prevHash = prev;
		e.hash = Chain::hash(prev, e, key);
		prev = *e.hash;
	}
}

std::vector<Entry> sealedChain(std::size_t n)
{
	std::vector<Entry> rows;
	for (std::size_t i = 0; i < n; ++i)
	{
		Entry e;
		e.id = 101 + i;
		e.at = "2026-01-02 03:04:05." + std::to_string(100 + i);
		e.requestId = "req" + std::to_string(i);
		e.principal = i % 2 ? "admin" : "agent:addy";
		e.action = "secret.read";
		e.target = "secret:" + std::to_string(i);
		e.outcome = i % 3 ? "ok" : "denied";
		e.client = "10.0.0." + std::to_string(i);
		rows.push_back(e);
	}
	if (n > 4) std::rotate(rows.begin() + 3, rows.begin() + 4, rows.end());
	std::string prev = Chain::kGenesis;
	std::uint64_t seq = 0;
	for (auto& e : rows)
	{
		e.seq = ++seq;
		e.prevHash = prev;
		e.hash = Chain::hash(prev, e);
		prev = *e.hash;
	}
	return rows;
}

Entry unsealedRow(std::uint64_t id)
{
	Entry e;
	e.id = id;
	e.at = "2026-01-02 03:04:07.000";
	e.requestId = "tail";
	e.principal = "admin";
	e.action = "token.create";
	e.target = "agent:addy";
	e.outcome = "ok";
	e.client = "127.0.0.1";
	return e;
}

Verifier verify(const std::vector<Entry>& sealed, const std::vector<Entry>& unsealed = {},
                Nexus::Audit::AuditKeyPtr key = nullptr)
{
	Verifier v;
	v.useKey(std::move(key));
	for (const auto& e : sealed) v.sealed(e);
	for (const auto& e : unsealed) v.unsealed(e);
	return v;
}

} // namespace

class VerifierTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(VerifierTest);
	CPPUNIT_TEST(testEmptyLogIsIntact);
	CPPUNIT_TEST(testRecordedHeadIsMet);
	CPPUNIT_TEST(testRecordedHeadWithAnotherHash);
	CPPUNIT_TEST(testRecordedHeadCutFromTheEnd);
	CPPUNIT_TEST(testRowUnsealedTooLong);
	CPPUNIT_TEST(testIntactChain);
	CPPUNIT_TEST(testEditedRowIsNamed);
	CPPUNIT_TEST(testEditedRowWithRecomputedHashBreaksTheNextLink);
	CPPUNIT_TEST(testMissingRowIsASeqGap);
	CPPUNIT_TEST(testMissingFirstRow);
	CPPUNIT_TEST(testSwappedRows);
	CPPUNIT_TEST(testMalformedSealedRow);
	CPPUNIT_TEST(testUnsealedTail);
	CPPUNIT_TEST(testUnsealedRowWithAHash);
	CPPUNIT_TEST(testSeveralProblemsReportTheFirst);
	CPPUNIT_TEST(testKeyedChainIsIntact);
	CPPUNIT_TEST(testKeyedChainRechainedWithSha256);
	CPPUNIT_TEST(testKeyedChainRechainedWithAnotherKey);
	CPPUNIT_TEST(testKeyedRowEditedKeepingItsRowMac);
	CPPUNIT_TEST(testKeyedRowWithoutRowMac);
	CPPUNIT_TEST(testKeyedFromTheMiddle);
	CPPUNIT_TEST(testKeyedUnsealedRows);
	CPPUNIT_TEST_SUITE_END();

public:
	void testRecordedHeadIsMet()
	{
		const auto rows = sealedChain(6);
		Verifier v;
		v.expectHead(4, *rows[3].hash);
		for (const auto& e : rows) v.sealed(e);
		v.finish();
		CPPUNIT_ASSERT_MESSAGE(v.summary(), v.intact());
	}

	void testRecordedHeadWithAnotherHash()
	{
		// The rows from seq 4 on re-chained (nulled, edited, sealed again): every
		// link holds, but seq 4 is not the head that was recorded.
		auto rows = sealedChain(6);
		const std::string recorded = *rows[3].hash;
		rows[3].target = "secret:edited";
		std::string prev = *rows[2].hash;
		for (std::size_t i = 3; i < rows.size(); ++i)
		{
			rows[i].prevHash = prev;
			rows[i].hash = Chain::hash(prev, rows[i]);
			prev = *rows[i].hash;
		}
		CPPUNIT_ASSERT_MESSAGE("without the head the walk sees nothing", verify(rows).intact());
		Verifier v;
		v.expectHead(4, recorded);
		for (const auto& e : rows) v.sealed(e);
		v.finish();
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "(seq 4): not the recorded head"));
	}

	void testRecordedHeadCutFromTheEnd()
	{
		auto rows = sealedChain(6);
		const std::string recorded = *rows[5].hash;
		rows.resize(4); // seq 5 and 6 deleted
		Verifier v;
		v.expectHead(6, recorded);
		for (const auto& e : rows) v.sealed(e);
		v.finish();
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(),
		                       contains(v.summary(), "audit chain broken (seq 6): the recorded head seq 6 is not in "
		                                             "the chain (it ends at seq 4): rows were cut from its end"));
	}

	void testRowUnsealedTooLong()
	{
		Verifier v;
		v.expectSealedBefore("2026-01-02 03:04:06.000");
		v.unsealed(unsealedRow(300)); // at 03:04:07: recent enough
		CPPUNIT_ASSERT_MESSAGE(v.summary(), v.intact());
		Entry old = unsealedRow(200);
		old.at = "2026-01-02 03:04:05.500";
		v.unsealed(old);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "at row 200 (unsealed): unsealed since "
		                                                          "2026-01-02 03:04:05.500 UTC"));
	}

	void testEmptyLogIsIntact()
	{
		const Verifier v = verify({});
		CPPUNIT_ASSERT(v.intact());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), v.headSeq());
		CPPUNIT_ASSERT_EQUAL(Chain::kGenesis, v.headHash());
		CPPUNIT_ASSERT_EQUAL(std::string("audit chain intact: 0 sealed rows; 0 unsealed rows\nnot keyed: the "
		                                 "keyring has no integrity key, so a database writer could rewrite the "
		                                 "chain (add one with `nexusctl vault mac-key`)\n"),
		                     v.summary());
	}

	void testIntactChain()
	{
		const auto rows = sealedChain(10);
		const Verifier v = verify(rows);
		CPPUNIT_ASSERT(v.intact());
		CPPUNIT_ASSERT(!v.firstProblem());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(10), v.sealedRows());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(10), v.headSeq());
		CPPUNIT_ASSERT_EQUAL(*rows.back().hash, v.headHash());
		CPPUNIT_ASSERT_EQUAL("audit chain intact: 10 sealed rows (seq 1..10, head hash " + *rows.back().hash +
		                         "); 0 unsealed rows\n",
		                     v.summary().substr(0, v.summary().find('\n') + 1));
	}

	void testEditedRowIsNamed()
	{
		auto rows = sealedChain(10);
		rows[5].target = "secret:other";
		const Verifier v = verify(rows);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), v.problems());
		CPPUNIT_ASSERT_EQUAL(rows[5].id, v.firstProblem()->id);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(6), v.firstProblem()->seq.value());
		CPPUNIT_ASSERT_EQUAL(std::string("hash mismatch"), v.firstProblem()->what);
		CPPUNIT_ASSERT(NexusTest::startsWith(v.summary(), "audit chain broken at row " + std::to_string(rows[5].id) +
		                                                      " (seq 6): hash mismatch\n"));
		CPPUNIT_ASSERT(contains(v.summary(), "1 problem in 10 sealed and 0 unsealed rows"));
	}

	void testEditedRowWithRecomputedHashBreaksTheNextLink()
	{
		auto rows = sealedChain(10);
		rows[5].principal = "agent:mallory";
		rows[5].hash = Chain::hash(*rows[5].prevHash, rows[5]);
		const Verifier v = verify(rows);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_EQUAL(rows[6].id, v.firstProblem()->id);
		CPPUNIT_ASSERT_EQUAL(std::string("prev_hash does not match the hash of seq 6"), v.firstProblem()->what);
	}

	void testMissingRowIsASeqGap()
	{
		auto rows = sealedChain(10);
		rows.erase(rows.begin() + 4);
		const Verifier v = verify(rows);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), v.problems());
		CPPUNIT_ASSERT_EQUAL(rows[4].id, v.firstProblem()->id);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(6), v.firstProblem()->seq.value());
		CPPUNIT_ASSERT_EQUAL(std::string("seq gap: seq 5 missing"), v.firstProblem()->what);

		rows.erase(rows.begin() + 4, rows.begin() + 6);
		CPPUNIT_ASSERT_EQUAL(std::string("seq gap: seq 5..7 missing"), verify(rows).firstProblem()->what);
	}

	void testMissingFirstRow()
	{
		auto rows = sealedChain(3);
		rows.erase(rows.begin());
		const Verifier v = verify(rows);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_EQUAL(rows[0].id, v.firstProblem()->id);
		CPPUNIT_ASSERT_EQUAL(std::string("seq gap: seq 1 missing"), v.firstProblem()->what);
	}

	void testSwappedRows()
	{
		// Swapping the contents of two rows (keeping seq and hashes in place).
		auto rows = sealedChain(6);
		std::swap(rows[2].target, rows[3].target);
		const Verifier v = verify(rows);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), v.problems());
		CPPUNIT_ASSERT_EQUAL(rows[2].id, v.firstProblem()->id);
	}

	void testMalformedSealedRow()
	{
		auto rows = sealedChain(4);
		rows[1].hash.reset();
		Verifier v = verify(rows);
		CPPUNIT_ASSERT_EQUAL(rows[1].id, v.firstProblem()->id);
		CPPUNIT_ASSERT(contains(v.firstProblem()->what, "malformed"));

		rows = sealedChain(4);
		rows[2].prevHash = std::string(64, 'X');
		CPPUNIT_ASSERT_EQUAL(rows[2].id, verify(rows).firstProblem()->id);

		rows = sealedChain(4);
		rows[3].outcome = "maybe";
		v = verify(rows);
		CPPUNIT_ASSERT_EQUAL(rows[3].id, v.firstProblem()->id);
		CPPUNIT_ASSERT_EQUAL(std::string("malformed outcome 'maybe'"), v.firstProblem()->what);
	}

	void testUnsealedTail()
	{
		const Verifier v = verify(sealedChain(3), {unsealedRow(200), unsealedRow(201)});
		CPPUNIT_ASSERT(v.intact());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), v.unsealedRows());
		CPPUNIT_ASSERT(contains(v.summary(), "; 2 unsealed rows waiting for the sealer (oldest at 2026-01-02 "
		                                     "03:04:07.000 UTC)"));
	}

	void testUnsealedRowWithAHash()
	{
		Entry odd = unsealedRow(200);
		odd.hash = std::string(64, 'a');
		const Verifier v = verify(sealedChain(3), {unsealedRow(199), odd});
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(200), v.firstProblem()->id);
		CPPUNIT_ASSERT(!v.firstProblem()->seq);
		CPPUNIT_ASSERT(NexusTest::startsWith(v.summary(), "audit chain broken at row 200 (unsealed): malformed"));

		Entry late = unsealedRow(201);
		late.at = "yesterday";
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(201), verify({}, {late}).firstProblem()->id);
	}

	void testSeveralProblemsReportTheFirst()
	{
		auto rows = sealedChain(10);
		rows[2].action = "secret.write";
		rows[7].client = "evil";
		const Verifier v = verify(rows);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), v.problems());
		CPPUNIT_ASSERT_EQUAL(rows[2].id, v.firstProblem()->id);
		CPPUNIT_ASSERT(contains(v.summary(), "2 problems in 10 sealed and 0 unsealed rows"));
	}

	void testKeyedChainIsIntact()
	{
		auto rows = sealedChain(8);
		const auto key = testKey();
		rechain(rows, key.get());
		const Verifier v = verify(rows, {}, key);
		CPPUNIT_ASSERT_MESSAGE(v.summary(), v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "keyed from seq 1 on"));
		CPPUNIT_ASSERT(*rows[0].hash != *sealedChain(8)[0].hash);
	}

	// What a database writer can do without the key: edit a row and re-chain
	// everything with plain SHA-256 (the old verifier then said intact).
	void testKeyedChainRechainedWithSha256()
	{
		auto rows = sealedChain(6);
		rows[2].target = "secret:edited";
		rechain(rows, nullptr);
		CPPUNIT_ASSERT_MESSAGE("unkeyed, nothing shows", verify(rows).intact());
		const Verifier v = verify(rows, {}, testKey());
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "at row 101 (seq 1): no row MAC"));
	}

	void testKeyedChainRechainedWithAnotherKey()
	{
		auto rows = sealedChain(6);
		const auto other = testKey(1, 'x');
		rechain(rows, other.get());
		const Verifier v = verify(rows, {}, testKey());
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "(seq 1): row MAC mismatch"));
	}

	void testKeyedRowEditedKeepingItsRowMac()
	{
		auto rows = sealedChain(6);
		const auto key = testKey();
		rechain(rows, key.get());
		rows[4].principal = "someone else";
		const Verifier v = verify(rows, {}, key);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "(seq 5): row MAC mismatch (its content was changed "
		                                                          "in the database)"));
	}

	void testKeyedRowWithoutRowMac()
	{
		auto rows = sealedChain(4);
		const auto key = testKey();
		rechain(rows, key.get());
		rows[3].rowMac.reset();
		const Verifier v = verify(rows, {}, key);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "(seq 4): no row MAC"));
	}

	// A keyring given its integrity key when the chain was at seq 3: rows 1-3
	// keep SHA-256, rows from 4 on are keyed; neither may pass as the other.
	void testKeyedFromTheMiddle()
	{
		auto rows = sealedChain(7);
		const auto key = testKey(4);
		rechain(rows, key.get());
		CPPUNIT_ASSERT(!rows[2].rowMac && rows[3].rowMac);
		CPPUNIT_ASSERT_EQUAL(*sealedChain(7)[2].hash, *rows[2].hash);
		Verifier v = verify(rows, {}, key);
		CPPUNIT_ASSERT_MESSAGE(v.summary(), v.intact());
		auto unkeyedTail = rows;
		rechain(unkeyedTail, nullptr); // row MACs kept, the chain re-done with SHA-256
		v = verify(unkeyedTail, {}, key);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "(seq 4): hash mismatch (keyed chain"));
		auto cut = rows;
		cut.resize(2); // seq 3.. deleted: the keyring says seq 4 was keyed
		v = verify(cut, {}, key);
		v.finish();
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "the keyring keys the chain from seq 4, but it ends "
		                                                          "at seq 2: rows were cut from its end"));
		auto keyedEarly = rows;
		rechain(keyedEarly, testKey(1).get());
		v = verify(keyedEarly, {}, key);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "(seq 1): hash mismatch"));
	}

	void testKeyedUnsealedRows()
	{
		const auto key = testKey();
		Entry good = unsealedRow(300);
		good.rowMac = Chain::rowMac(key->rowKey, good);
		CPPUNIT_ASSERT_MESSAGE(verify({}, {good}, key).summary(), verify({}, {good}, key).intact());
		Entry edited = good;
		edited.action = "token.revoke";
		Verifier v = verify({}, {edited}, key);
		CPPUNIT_ASSERT(!v.intact());
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "at row 300 (unsealed): row MAC mismatch"));
		v = verify({}, {unsealedRow(301)}, key);
		CPPUNIT_ASSERT_MESSAGE(v.summary(), contains(v.summary(), "at row 301 (unsealed): no row MAC"));
		// The id is not part of the row MAC (unknown before the INSERT).
		Entry moved = good;
		moved.id = 999;
		CPPUNIT_ASSERT_EQUAL(*good.rowMac, Chain::rowMac(key->rowKey, moved));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(VerifierTest);
