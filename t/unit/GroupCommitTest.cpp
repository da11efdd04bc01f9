// GroupCommit::flush, how a batch of audit rows is written, with writers
// that record their calls instead of a database: one multi-row write, and
// when it fails each row on its own, each with its own result.
#include "audit/GroupCommit.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <exception>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using Nexus::Audit::Entry;
using Nexus::Audit::GroupCommit;
using NexusTest::messageOf;

namespace {

/// n rows with targets "row:1", "row:2", ...
std::vector<Entry> rows(std::size_t n)
{
	std::vector<Entry> entries(n);
	for (std::size_t i = 0; i < n; ++i)
	{
		entries[i].action = "test.write";
		entries[i].target = "row:" + std::to_string(i + 1);
		entries[i].outcome = "ok";
	}
	return entries;
}

std::vector<const Entry*> pointers(const std::vector<Entry>& entries)
{
	std::vector<const Entry*> out;
	out.reserve(entries.size());
	for (const auto& e : entries) out.push_back(&e);
	return out;
}

/// Writers that record what they were asked to write; the batch writer
/// throws when batchFails, the row writer for the targets in failingRows
/// (with the target as the message).
struct Writers
{
	bool batchFails = false;
	std::set<std::string> failingRows;
	std::vector<std::vector<std::string>> batches; ///< targets, per writeAll call
	std::vector<std::string> singles;              ///< targets, per writeOne call

	GroupCommit::BatchWriter writeAll()
	{
		return [this](const std::vector<const Entry*>& entries) {
			std::vector<std::string> targets;
			targets.reserve(entries.size());
			for (const Entry* e : entries) targets.push_back(e->target);
			batches.push_back(targets);
			if (batchFails) throw std::runtime_error("batch failed");
		};
	}

	GroupCommit::RowWriter writeOne()
	{
		return [this](const Entry& e) {
			singles.push_back(e.target);
			if (failingRows.count(e.target)) throw std::runtime_error(e.target);
		};
	}
};

} // namespace

class GroupCommitTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(GroupCommitTest);
	CPPUNIT_TEST(testBatchIsOneWrite);
	CPPUNIT_TEST(testFailedBatchIsWrittenRowByRow);
	CPPUNIT_TEST(testEachRowReportsItsOwnResult);
	CPPUNIT_TEST(testEveryRowFailingReportsEveryError);
	CPPUNIT_TEST(testFailedBatchOfOneIsNotWrittenTwice);
	CPPUNIT_TEST_SUITE_END();

public:
	void testBatchIsOneWrite()
	{
		const auto entries = rows(3);
		Writers w;
		const auto errors = GroupCommit::flush(pointers(entries), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT(w.batches == (std::vector<std::vector<std::string>>{{"row:1", "row:2", "row:3"}}));
		CPPUNIT_ASSERT(w.singles.empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), errors.size());
		for (const auto& error : errors) CPPUNIT_ASSERT(!error);
	}

	void testFailedBatchIsWrittenRowByRow()
	{
		const auto entries = rows(3);
		Writers w;
		w.batchFails = true;
		const auto errors = GroupCommit::flush(pointers(entries), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), w.batches.size());
		CPPUNIT_ASSERT(w.singles == (std::vector<std::string>{"row:1", "row:2", "row:3"}));
		// The batch's error is no row's: each row was then written on its own.
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), errors.size());
		for (const auto& error : errors) CPPUNIT_ASSERT(!error);
	}

	void testEachRowReportsItsOwnResult()
	{
		const auto entries = rows(4);
		Writers w;
		w.batchFails = true;
		w.failingRows = {"row:2", "row:4"};
		const auto errors = GroupCommit::flush(pointers(entries), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT(w.singles == (std::vector<std::string>{"row:1", "row:2", "row:3", "row:4"}));
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), errors.size());
		CPPUNIT_ASSERT_EQUAL(std::string(), messageOf(errors[0]));
		CPPUNIT_ASSERT_EQUAL(std::string("row:2"), messageOf(errors[1]));
		CPPUNIT_ASSERT_EQUAL(std::string(), messageOf(errors[2]));
		CPPUNIT_ASSERT_EQUAL(std::string("row:4"), messageOf(errors[3]));
	}

	void testEveryRowFailingReportsEveryError()
	{
		const auto entries = rows(2);
		Writers w;
		w.batchFails = true;
		w.failingRows = {"row:1", "row:2"};
		const auto errors = GroupCommit::flush(pointers(entries), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT_EQUAL(std::string("row:1"), messageOf(errors[0]));
		CPPUNIT_ASSERT_EQUAL(std::string("row:2"), messageOf(errors[1]));
	}

	void testFailedBatchOfOneIsNotWrittenTwice()
	{
		const auto entries = rows(1);
		Writers w;
		w.batchFails = true;
		const auto errors = GroupCommit::flush(pointers(entries), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), w.batches.size());
		CPPUNIT_ASSERT(w.singles.empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), errors.size());
		CPPUNIT_ASSERT_EQUAL(std::string("batch failed"), messageOf(errors[0]));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(GroupCommitTest);
