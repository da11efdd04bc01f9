// Chain: the canonical row encoding and the hash chain of the audit log.
// The expected hashes were computed independently (Python's hashlib).
#include "audit/Chain.h"

#include <cppunit/extensions/HelperMacros.h>

#include <set>
#include <string>
#include <vector>

using Nexus::Audit::Chain;
using Nexus::Audit::Entry;

namespace {

Entry entry(std::uint64_t id, const std::string& at, const std::string& requestId, const std::string& principal,
            const std::string& action, const std::string& target, const std::string& outcome, const std::string& client)
{
	Entry e;
	e.id = id;
	e.at = at;
	e.requestId = requestId;
	e.principal = principal;
	e.action = action;
	e.target = target;
	e.outcome = outcome;
	e.client = client;
	return e;
}

Entry row7()
{
	return entry(7, "2026-01-02 03:04:05.678", "r1", "admin", "token.create", "agent:addy", "ok", "127.0.0.1");
}

std::vector<Entry> threeRows()
{
	return {row7(),
	        entry(8, "2026-01-02 03:04:06.000", "r2", "agent:addy", "secret.read", "secret:42", "denied", "::1"),
	        entry(9, "2026-01-02 03:04:06.001", "r3", "anonymous", "auth.failed", "/api/vault/secrets/\xC3\xA4",
	              "denied", "10.0.0.1")};
}

} // namespace

class ChainTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ChainTest);
	CPPUNIT_TEST(testCanonicalIsDocumentedNetstrings);
	CPPUNIT_TEST(testCanonicalCountsBytesNotCharacters);
	CPPUNIT_TEST(testCanonicalLeavesOutSeqAndHashes);
	CPPUNIT_TEST(testSeparatorsInFieldsDoNotCollide);
	CPPUNIT_TEST(testEveryFieldCounts);
	CPPUNIT_TEST(testGenesisIs64Zeros);
	CPPUNIT_TEST(testHashOfAKnownRow);
	CPPUNIT_TEST(testChainOfThreeRows);
	CPPUNIT_TEST(testHashDependsOnPrevHash);
	CPPUNIT_TEST(testIsHash);
	CPPUNIT_TEST(testIsTime);
	CPPUNIT_TEST(testIsOutcome);
	CPPUNIT_TEST_SUITE_END();

public:
	void testCanonicalIsDocumentedNetstrings()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("14:nexus-audit-v1,1:7,23:2026-01-02 03:04:05.678,2:r1,5:admin,"
		                                 "12:token.create,10:agent:addy,2:ok,9:127.0.0.1,"),
		                     Chain::canonical(row7()));
	}

	void testCanonicalCountsBytesNotCharacters()
	{
		// "ä" is two bytes in UTF-8.
		CPPUNIT_ASSERT(Chain::canonical(threeRows()[2]).find(",21:/api/vault/secrets/\xC3\xA4,") != std::string::npos);
	}

	void testCanonicalLeavesOutSeqAndHashes()
	{
		Entry sealed = row7();
		sealed.seq = 12;
		sealed.prevHash = std::string(64, 'a');
		sealed.hash = std::string(64, 'b');
		CPPUNIT_ASSERT_EQUAL(Chain::canonical(row7()), Chain::canonical(sealed));
	}

	void testSeparatorsInFieldsDoNotCollide()
	{
		// Moving text, commas, colons or digits across a field boundary must
		// change the encoding: a naive "a,b" or "a:b" join would collide.
		std::vector<Entry> rows;
		auto with = [&](const std::string& principal, const std::string& action, const std::string& target) {
			rows.push_back(entry(1, "2026-01-02 03:04:05.678", "r", principal, action, target, "ok", "c"));
		};
		with("ab", "x", "c");
		with("a", "x", "bc");
		with("a,", "x", "c");
		with("a", "x", ",c");
		with("a,1:x,", "", "c");
		with("a", "1:x", "c");
		with("a", "x,1:c", "");
		with("a", "x", "1:c");
		with("", "x", "ac");
		with("ac", "x", "");
		std::set<std::string> encodings;
		for (const auto& row : rows) encodings.insert(Chain::canonical(row));
		CPPUNIT_ASSERT_EQUAL(rows.size(), encodings.size());

		// The id and the text fields do not run into each other either.
		CPPUNIT_ASSERT(Chain::canonical(entry(11, "2026-01-02 03:04:05.678", "1", "p", "a", "t", "ok", "c")) !=
		               Chain::canonical(entry(1, "2026-01-02 03:04:05.678", "11", "p", "a", "t", "ok", "c")));
	}

	void testEveryFieldCounts()
	{
		const Entry base = row7();
		const std::string h = Chain::hash(Chain::kGenesis, base);
		std::vector<Entry> changed(8, base);
		changed[0].id = 8;
		changed[1].at = "2026-01-02 03:04:05.679";
		changed[2].requestId = "r2";
		changed[3].principal = "agent:admin";
		changed[4].action = "token.revoke";
		changed[5].target = "agent:addz";
		changed[6].outcome = "denied";
		changed[7].client = "127.0.0.2";
		for (const auto& e : changed) CPPUNIT_ASSERT(Chain::hash(Chain::kGenesis, e) != h);
	}

	void testGenesisIs64Zeros()
	{
		CPPUNIT_ASSERT_EQUAL(std::string(64, '0'), Chain::kGenesis);
		CPPUNIT_ASSERT(Chain::isHash(Chain::kGenesis));
	}

	void testHashOfAKnownRow()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("c07f43ff105b0cc795868f1caee8b48b8ac282015046d5bfd0508717b22f329e"),
		                     Chain::hash(Chain::kGenesis, row7()));
	}

	void testChainOfThreeRows()
	{
		const std::vector<std::string> expected = {"c07f43ff105b0cc795868f1caee8b48b8ac282015046d5bfd0508717b22f329e",
		                                           "559005071ff3da2c4c2c042f30a3a065b7876e78782f3f34f3d532d390a02efc",
		                                           "52d3edddd861ae08d24e6751e7813552ac7d7aa455cc3eab37c3fb8be59fc008"};
		std::string prev = Chain::kGenesis;
		const auto rows = threeRows();
		for (std::size_t i = 0; i < rows.size(); ++i)
		{
			const std::string h = Chain::hash(prev, rows[i]);
			CPPUNIT_ASSERT_EQUAL(expected[i], h);
			prev = h;
		}
	}

	void testHashDependsOnPrevHash()
	{
		CPPUNIT_ASSERT(Chain::hash(Chain::kGenesis, row7()) != Chain::hash(std::string(64, '1'), row7()));
	}

	void testIsHash()
	{
		CPPUNIT_ASSERT(Chain::isHash(std::string(64, 'f')));
		CPPUNIT_ASSERT(!Chain::isHash(std::string(64, 'F')));
		CPPUNIT_ASSERT(!Chain::isHash(std::string(63, '0')));
		CPPUNIT_ASSERT(!Chain::isHash(std::string(65, '0')));
		CPPUNIT_ASSERT(!Chain::isHash(std::string(63, '0') + "g"));
	}

	void testIsTime()
	{
		CPPUNIT_ASSERT(Chain::isTime("2026-01-02 03:04:05.678"));
		CPPUNIT_ASSERT(Chain::isTime("2026-12-31 23:59:59.999"));
		CPPUNIT_ASSERT(!Chain::isTime("2026-01-02 03:04:05"));
		CPPUNIT_ASSERT(!Chain::isTime("2026-01-02 03:04:05.678000"));
		CPPUNIT_ASSERT(!Chain::isTime("2026-01-02T03:04:05.678"));
		CPPUNIT_ASSERT(!Chain::isTime("2026-13-02 03:04:05.678"));
		CPPUNIT_ASSERT(!Chain::isTime("2026-01-02 24:04:05.678"));
		CPPUNIT_ASSERT(!Chain::isTime("2026-01-02 03:04:05.6x8"));
	}

	void testIsOutcome()
	{
		CPPUNIT_ASSERT(Chain::isOutcome("ok"));
		CPPUNIT_ASSERT(Chain::isOutcome("denied"));
		CPPUNIT_ASSERT(Chain::isOutcome("error"));
		CPPUNIT_ASSERT(!Chain::isOutcome("OK"));
		CPPUNIT_ASSERT(!Chain::isOutcome(""));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChainTest);
