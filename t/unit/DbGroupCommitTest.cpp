// Db::GroupCommit: how a batch is written (flush, with writers that record
// their calls instead of a database) and how threads share batches (commit,
// with real threads). No test waits for a time: a thread that must be
// queued is waited for through queued().
#include "db/GroupCommit.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

// The n-th operator new of this thread from now throws std::bad_alloc (0:
// none): how a test makes the group commit's own code, not a writer, throw.
// (Replacing the global operator new is the only way in: every other error
// is a writer's, which the group commit catches.)
namespace {
thread_local int tFailAllocationIn = 0;
}

// GCC sees free() on what `new` returned where these are inlined; here both
// are malloc's, so the pairing is right.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size)
{
	if (tFailAllocationIn > 0 && --tFailAllocationIn == 0) throw std::bad_alloc();
	if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
	throw std::bad_alloc();
}

void operator delete(void* p) noexcept
{
	std::free(p);
}

void operator delete(void* p, std::size_t) noexcept
{
	std::free(p);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace {

/// An item as a caller owns it: what to write, and what the writer reports back.
struct Item
{
	int id = 0;
	bool bad = false;       ///< its one-by-one write throws (and a batch holding it)
	int writtenInBatch = 0; ///< set by the writer: 1-based number of the batch call that wrote it, -1 alone
};

using Commit = Nexus::Db::GroupCommit<Item>;
using NexusTest::messageOf;

/// Writers that record what they were asked to write (thread-safe). The
/// batch writer throws when its batch holds a bad item or when batchFails;
/// before it returns it waits while hold is set (so tests can queue threads
/// behind a batch that is being written).
struct Writers
{
	std::mutex mutex;
	std::vector<std::vector<int>> batches; ///< ids, per writeAll call
	std::vector<int> singles;              ///< ids, per writeOne call
	bool batchFails = false;
	std::atomic<bool> hold{false};
	std::atomic<int> writing{0};     ///< writer calls running now
	std::atomic<int> mostWriting{0}; ///< the most that ever ran at once

	Commit::BatchWriter writeAll()
	{
		return [this](const std::vector<Item*>& items) {
			enter();
			while (hold) std::this_thread::yield();
			bool fails = batchFails;
			int number = 0;
			{
				std::lock_guard<std::mutex> lock(mutex);
				std::vector<int> ids;
				for (const Item* item : items)
				{
					ids.push_back(item->id);
					fails = fails || item->bad;
				}
				batches.push_back(ids);
				number = static_cast<int>(batches.size());
			}
			if (!fails)
				for (Item* item : items) item->writtenInBatch = number;
			--writing;
			if (fails) throw std::runtime_error("batch failed");
		};
	}

	Commit::ItemWriter writeOne()
	{
		return [this](Item& item) {
			enter();
			{
				std::lock_guard<std::mutex> lock(mutex);
				singles.push_back(item.id);
			}
			--writing;
			if (item.bad) throw std::runtime_error("item " + std::to_string(item.id));
			item.writtenInBatch = -1;
		};
	}

private:
	void enter()
	{
		const int now = ++writing;
		int most = mostWriting;
		while (now > most && !mostWriting.compare_exchange_weak(most, now))
		{}
	}
};

/// n items with ids 1..n.
std::vector<Item> itemsOf(int n)
{
	std::vector<Item> items(static_cast<std::size_t>(n));
	for (int i = 0; i < n; ++i) items[static_cast<std::size_t>(i)].id = i + 1;
	return items;
}

std::vector<Item*> pointers(std::vector<Item>& items)
{
	std::vector<Item*> out;
	out.reserve(items.size());
	for (auto& item : items) out.push_back(&item);
	return out;
}

/// What a thread's commit() ended with.
struct Outcome
{
	bool returned = false;
	std::string error;      ///< what it threw; "" when it returned
	int writtenInBatch = 0; ///< the item's field, read after commit()
};

/// Runs commit(item) on a new thread, recording its outcome.
std::thread committer(Commit& commit, Item& item, Outcome& outcome)
{
	return std::thread([&commit, &item, &outcome] {
		try
		{
			commit.commit(item);
			outcome.returned = true;
		}
		catch (const std::exception& e)
		{
			outcome.error = e.what();
		}
		outcome.writtenInBatch = item.writtenInBatch;
	});
}

/// Blocks until commit has n items queued behind the batch being written.
void waitQueued(Commit& commit, std::size_t n)
{
	while (commit.queued() < n) std::this_thread::yield();
}

/// Blocks until a writer of w runs (the first thread leads its batch).
void waitWriting(const Writers& w)
{
	while (w.writing == 0) std::this_thread::yield();
}

} // namespace

class DbGroupCommitTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(DbGroupCommitTest);
	CPPUNIT_TEST(testBatchIsOneWriteInOrder);
	CPPUNIT_TEST(testWritersSetEachItemsResult);
	CPPUNIT_TEST(testFailedBatchIsWrittenOneByOneInOrder);
	CPPUNIT_TEST(testEachItemReportsItsOwnError);
	CPPUNIT_TEST(testFailedBatchOfOneIsNotWrittenTwice);
	CPPUNIT_TEST(testLoneCommitIsABatchOfOne);
	CPPUNIT_TEST(testLoneCommitThrowsItsOwnError);
	CPPUNIT_TEST(testItemsQueuedDuringABatchShareTheNextInQueueOrder);
	CPPUNIT_TEST(testABatchHoldsAtMostMaxBatchItems);
	CPPUNIT_TEST(testEachThreadGetsItsOwnErrorFromAFailedBatch);
	CPPUNIT_TEST(testManyThreadsEachItemWrittenOnceBeforeItsCommitReturns);
	CPPUNIT_TEST(testAnErrorOutsideTheWritersEndsTheBatch);
	CPPUNIT_TEST_SUITE_END();

public:
	// --- flush: one batch --------------------------------------------------------

	void testBatchIsOneWriteInOrder()
	{
		auto items = itemsOf(3);
		Writers w;
		const auto errors = Commit::flush(pointers(items), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT(w.batches == (std::vector<std::vector<int>>{{1, 2, 3}}));
		CPPUNIT_ASSERT(w.singles.empty());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), errors.size());
		for (const auto& error : errors) CPPUNIT_ASSERT(!error);
	}

	void testWritersSetEachItemsResult()
	{
		auto items = itemsOf(2);
		Writers w;
		Commit::flush(pointers(items), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT_EQUAL(1, items[0].writtenInBatch);
		CPPUNIT_ASSERT_EQUAL(1, items[1].writtenInBatch);
	}

	void testFailedBatchIsWrittenOneByOneInOrder()
	{
		auto items = itemsOf(3);
		Writers w;
		w.batchFails = true;
		const auto errors = Commit::flush(pointers(items), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), w.batches.size());
		CPPUNIT_ASSERT(w.singles == (std::vector<int>{1, 2, 3}));
		// The batch's error is no item's: each was then written on its own.
		for (const auto& error : errors) CPPUNIT_ASSERT(!error);
		for (const auto& item : items) CPPUNIT_ASSERT_EQUAL(-1, item.writtenInBatch);
	}

	void testEachItemReportsItsOwnError()
	{
		auto items = itemsOf(4);
		items[1].bad = true;
		items[3].bad = true;
		Writers w;
		const auto errors = Commit::flush(pointers(items), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT(w.singles == (std::vector<int>{1, 2, 3, 4}));
		CPPUNIT_ASSERT_EQUAL(std::string(), messageOf(errors[0]));
		CPPUNIT_ASSERT_EQUAL(std::string("item 2"), messageOf(errors[1]));
		CPPUNIT_ASSERT_EQUAL(std::string(), messageOf(errors[2]));
		CPPUNIT_ASSERT_EQUAL(std::string("item 4"), messageOf(errors[3]));
	}

	void testFailedBatchOfOneIsNotWrittenTwice()
	{
		auto items = itemsOf(1);
		Writers w;
		w.batchFails = true;
		const auto errors = Commit::flush(pointers(items), w.writeAll(), w.writeOne());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), w.batches.size());
		CPPUNIT_ASSERT(w.singles.empty());
		CPPUNIT_ASSERT_EQUAL(std::string("batch failed"), messageOf(errors[0]));
	}

	// --- commit: threads sharing batches ---------------------------------------------

	void testLoneCommitIsABatchOfOne()
	{
		Writers w;
		Commit commit(w.writeAll(), w.writeOne());
		Item item;
		item.id = 7;
		commit.commit(item);
		CPPUNIT_ASSERT(w.batches == (std::vector<std::vector<int>>{{7}}));
		CPPUNIT_ASSERT_EQUAL(1, item.writtenInBatch);
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), commit.queued());
	}

	void testLoneCommitThrowsItsOwnError()
	{
		Writers w;
		Commit commit(w.writeAll(), w.writeOne());
		Item item;
		item.id = 1;
		item.bad = true;
		std::string message;
		try
		{
			commit.commit(item);
		}
		catch (const std::runtime_error& e)
		{
			message = e.what();
		}
		CPPUNIT_ASSERT_EQUAL(std::string("batch failed"), message);
		// The next commit is not stuck behind the failed one.
		Item next;
		next.id = 2;
		commit.commit(next);
		CPPUNIT_ASSERT_EQUAL(2, next.writtenInBatch);
	}

	void testItemsQueuedDuringABatchShareTheNextInQueueOrder()
	{
		const int n = 6;
		Writers w;
		Commit commit(w.writeAll(), w.writeOne());
		auto items = itemsOf(n);
		std::vector<Outcome> outcomes(n);
		std::vector<std::thread> threads;
		w.hold = true;
		threads.push_back(committer(commit, items[0], outcomes[0]));
		waitWriting(w);
		// Item 1 is being written (held); items 2..n queue behind it, one after the other.
		for (int i = 1; i < n; ++i)
		{
			threads.push_back(
			    committer(commit, items[static_cast<std::size_t>(i)], outcomes[static_cast<std::size_t>(i)]));
			waitQueued(commit, static_cast<std::size_t>(i));
		}
		w.hold = false;
		for (auto& t : threads) t.join();
		CPPUNIT_ASSERT(w.batches == (std::vector<std::vector<int>>{{1}, {2, 3, 4, 5, 6}}));
		CPPUNIT_ASSERT(w.singles.empty());
		CPPUNIT_ASSERT_EQUAL(1, outcomes[0].writtenInBatch);
		for (int i = 1; i < n; ++i)
		{
			CPPUNIT_ASSERT(outcomes[static_cast<std::size_t>(i)].returned);
			CPPUNIT_ASSERT_EQUAL(2, outcomes[static_cast<std::size_t>(i)].writtenInBatch);
		}
		CPPUNIT_ASSERT_EQUAL(1, w.mostWriting.load());
	}

	void testABatchHoldsAtMostMaxBatchItems()
	{
		const std::size_t behind = Commit::kMaxBatch + 3;
		Writers w;
		Commit commit(w.writeAll(), w.writeOne());
		auto items = itemsOf(static_cast<int>(behind + 1));
		std::vector<Outcome> outcomes(behind + 1);
		std::vector<std::thread> threads;
		w.hold = true;
		threads.push_back(committer(commit, items[0], outcomes[0]));
		waitWriting(w);
		for (std::size_t i = 1; i <= behind; ++i)
		{
			threads.push_back(committer(commit, items[i], outcomes[i]));
			waitQueued(commit, i);
		}
		w.hold = false;
		for (auto& t : threads) t.join();
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), w.batches.size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), w.batches[0].size());
		CPPUNIT_ASSERT_EQUAL(Commit::kMaxBatch, w.batches[1].size());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), w.batches[2].size());
		// Queue order across batches: 2 .. kMaxBatch+1, then the rest.
		CPPUNIT_ASSERT_EQUAL(2, w.batches[1].front());
		CPPUNIT_ASSERT_EQUAL(static_cast<int>(Commit::kMaxBatch) + 1, w.batches[1].back());
		CPPUNIT_ASSERT(w.batches[2] == (std::vector<int>{static_cast<int>(behind) - 1, static_cast<int>(behind),
		                                                 static_cast<int>(behind) + 1}));
		for (const auto& outcome : outcomes) CPPUNIT_ASSERT(outcome.returned);
	}

	void testEachThreadGetsItsOwnErrorFromAFailedBatch()
	{
		const int n = 5;
		Writers w;
		Commit commit(w.writeAll(), w.writeOne());
		auto items = itemsOf(n);
		items[2].bad = true; // id 3: fails the second batch, and its own write
		std::vector<Outcome> outcomes(n);
		std::vector<std::thread> threads;
		w.hold = true;
		threads.push_back(committer(commit, items[0], outcomes[0]));
		waitWriting(w);
		for (int i = 1; i < n; ++i)
		{
			threads.push_back(
			    committer(commit, items[static_cast<std::size_t>(i)], outcomes[static_cast<std::size_t>(i)]));
			waitQueued(commit, static_cast<std::size_t>(i));
		}
		w.hold = false;
		for (auto& t : threads) t.join();
		CPPUNIT_ASSERT(w.batches == (std::vector<std::vector<int>>{{1}, {2, 3, 4, 5}}));
		CPPUNIT_ASSERT(w.singles == (std::vector<int>{2, 3, 4, 5}));
		for (int i = 0; i < n; ++i)
		{
			const Outcome& o = outcomes[static_cast<std::size_t>(i)];
			if (i == 2)
			{
				CPPUNIT_ASSERT(!o.returned);
				CPPUNIT_ASSERT_EQUAL(std::string("item 3"), o.error);
			}
			else
			{
				CPPUNIT_ASSERT(o.returned);
				CPPUNIT_ASSERT_EQUAL(std::string(), o.error);
				CPPUNIT_ASSERT_EQUAL(i == 0 ? 1 : -1, o.writtenInBatch);
			}
		}
	}

	void testManyThreadsEachItemWrittenOnceBeforeItsCommitReturns()
	{
		const int threadCount = 16;
		const int perThread = 200;
		Writers w;
		Commit commit(w.writeAll(), w.writeOne());
		std::vector<std::vector<Item>> items(threadCount);
		std::vector<int> unwritten(threadCount, 0);
		std::vector<std::thread> threads;
		for (int t = 0; t < threadCount; ++t)
		{
			items[static_cast<std::size_t>(t)] = itemsOf(perThread);
			for (auto& item : items[static_cast<std::size_t>(t)]) item.id += t * perThread;
			threads.emplace_back([&, t] {
				for (auto& item : items[static_cast<std::size_t>(t)])
				{
					commit.commit(item);
					if (item.writtenInBatch == 0) ++unwritten[static_cast<std::size_t>(t)];
				}
			});
		}
		for (auto& t : threads) t.join();
		for (int t = 0; t < threadCount; ++t) CPPUNIT_ASSERT_EQUAL(0, unwritten[static_cast<std::size_t>(t)]);
		std::multiset<int> written;
		for (const auto& batch : w.batches)
		{
			CPPUNIT_ASSERT(!batch.empty() && batch.size() <= Commit::kMaxBatch);
			written.insert(batch.begin(), batch.end());
		}
		CPPUNIT_ASSERT_EQUAL(std::size_t(threadCount * perThread), written.size());
		for (int id = 1; id <= threadCount * perThread; ++id) CPPUNIT_ASSERT_EQUAL(std::size_t(1), written.count(id));
		CPPUNIT_ASSERT(w.singles.empty());
		// One writer at a time: the batches of one group commit never overlap.
		CPPUNIT_ASSERT_EQUAL(1, w.mostWriting.load());
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), commit.queued());
	}

	void testAnErrorOutsideTheWritersEndsTheBatch()
	{
		Writers w;
		Commit commit(w.writeAll(), w.writeOne());
		auto items = itemsOf(3);
		commit.commit(items[0]); // the queue has room now: queueing allocates nothing more
		// The leader's own code runs out of memory: taking the batch is this
		// thread's first allocation, the list of its items the second.
		tFailAllocationIn = 2;
		bool threw = false;
		try
		{
			commit.commit(items[1]);
		}
		catch (const std::bad_alloc&)
		{
			threw = true;
		}
		tFailAllocationIn = 0;
		CPPUNIT_ASSERT_MESSAGE("the failed commit throws what failed", threw);
		// The next commit is not left waiting for a batch that never ends.
		auto done = std::make_shared<std::promise<void>>();
		auto finished = done->get_future();
		std::thread([&commit, &items, done] {
			commit.commit(items[2]);
			done->set_value();
		}).detach();
		CPPUNIT_ASSERT_MESSAGE("a later commit goes through",
		                       finished.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
		CPPUNIT_ASSERT_EQUAL(1, items[2].writtenInBatch == 0 ? 0 : 1);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(DbGroupCommitTest);
