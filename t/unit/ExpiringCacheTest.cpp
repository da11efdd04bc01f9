// ExpiringCache: expiry, generations (a moved generation empties the cache;
// an answer fetched under an older one is not kept), the bound on entries,
// and many threads at once.
#include "util/ExpiringCache.h"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using Nexus::ExpiringCache;

namespace {
using Cache = ExpiringCache<std::string>;
using Clock = Cache::Clock;
const Clock::time_point kNow = Clock::now();
const Clock::time_point kLater = kNow + std::chrono::hours(1);
} // namespace

class ExpiringCacheTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(ExpiringCacheTest);
	CPPUNIT_TEST(testStoresAndFinds);
	CPPUNIT_TEST(testExpiredEntriesAreGone);
	CPPUNIT_TEST(testEraseDropsOneEntry);
	CPPUNIT_TEST(testNewGenerationEmptiesTheCache);
	CPPUNIT_TEST(testStaleGenerationIsNotStored);
	CPPUNIT_TEST(testStoreAdoptsANewerGeneration);
	CPPUNIT_TEST(testFullCacheDropsExpiredFirst);
	CPPUNIT_TEST(testFullCacheOfLiveEntriesStartsAgain);
	CPPUNIT_TEST(testZeroEntriesKeepsNothing);
	CPPUNIT_TEST(testThreads);
	CPPUNIT_TEST_SUITE_END();

public:
	void testStoresAndFinds()
	{
		Cache cache(10);
		CPPUNIT_ASSERT(!cache.find("a", 0, kNow));
		cache.store("a", "one", 0, kLater);
		CPPUNIT_ASSERT_EQUAL(std::string("one"), *cache.find("a", 0, kNow));
		cache.store("a", "two", 0, kLater);
		CPPUNIT_ASSERT_EQUAL(std::string("two"), *cache.find("a", 0, kNow));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), cache.size());
	}

	void testExpiredEntriesAreGone()
	{
		Cache cache(10);
		cache.store("a", "one", 0, kNow + std::chrono::milliseconds(5));
		CPPUNIT_ASSERT(cache.find("a", 0, kNow));
		CPPUNIT_ASSERT(!cache.find("a", 0, kNow + std::chrono::milliseconds(5)));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), cache.size());
	}

	void testEraseDropsOneEntry()
	{
		Cache cache(10);
		cache.store("a", "one", 0, kLater);
		cache.store("b", "two", 0, kLater);
		cache.erase("a");
		cache.erase("missing");
		CPPUNIT_ASSERT(!cache.find("a", 0, kNow));
		CPPUNIT_ASSERT_EQUAL(std::string("two"), *cache.find("b", 0, kNow));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), cache.size());
	}

	void testNewGenerationEmptiesTheCache()
	{
		Cache cache(10);
		cache.store("a", "one", 3, kLater);
		cache.store("b", "two", 3, kLater);
		CPPUNIT_ASSERT(!cache.find("a", 4, kNow));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), cache.size());
	}

	void testStaleGenerationIsNotStored()
	{
		// Read generation 1, asked the database, meanwhile a change moved it to 2.
		Cache cache(10);
		CPPUNIT_ASSERT(!cache.find("a", 2, kNow));
		cache.store("a", "old answer", 1, kLater);
		CPPUNIT_ASSERT(!cache.find("a", 2, kNow));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), cache.size());
	}

	void testStoreAdoptsANewerGeneration()
	{
		Cache cache(10);
		cache.store("a", "one", 1, kLater);
		cache.store("b", "two", 2, kLater);
		CPPUNIT_ASSERT(!cache.find("a", 2, kNow));
		CPPUNIT_ASSERT_EQUAL(std::string("two"), *cache.find("b", 2, kNow));
	}

	void testFullCacheDropsExpiredFirst()
	{
		Cache cache(2);
		cache.store("old", "x", 0, Clock::now() - std::chrono::seconds(1));
		cache.store("live", "y", 0, kLater);
		cache.store("new", "z", 0, kLater);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), cache.size());
		CPPUNIT_ASSERT(cache.find("live", 0, kNow));
		CPPUNIT_ASSERT(cache.find("new", 0, kNow));
	}

	void testFullCacheOfLiveEntriesStartsAgain()
	{
		Cache cache(2);
		cache.store("a", "x", 0, kLater);
		cache.store("b", "y", 0, kLater);
		cache.store("a", "x2", 0, kLater); // a key it holds: no room needed
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), cache.size());
		cache.store("c", "z", 0, kLater);
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), cache.size());
		CPPUNIT_ASSERT(cache.find("c", 0, kNow));
	}

	void testZeroEntriesKeepsNothing()
	{
		Cache cache(0);
		cache.store("a", "x", 0, kLater);
		CPPUNIT_ASSERT(!cache.find("a", 0, kNow));
	}

	void testThreads()
	{
		// Four threads store and find their own keys while a fifth moves the
		// generation: every hit is a value stored for that key (run under
		// ThreadSanitizer by make tsan).
		Cache cache(64);
		std::atomic<std::uint64_t> generation{0};
		std::atomic<int> wrong{0};
		std::atomic<bool> stop{false};
		std::vector<std::thread> threads;
		threads.reserve(4);
		for (int t = 0; t < 4; ++t)
			threads.emplace_back([&, t] {
				for (int i = 0; i < 2000; ++i)
				{
					const std::string key = std::to_string(t) + ":" + std::to_string(i % 16);
					const std::uint64_t g = generation.load();
					if (auto hit = cache.find(key, g, Clock::now()))
					{
						if (*hit != key) ++wrong;
					}
					else
						cache.store(key, key, g, Clock::now() + std::chrono::seconds(10));
				}
			});
		std::thread bumper([&] {
			while (!stop) generation.fetch_add(1);
		});
		for (auto& thread : threads) thread.join();
		stop = true;
		bumper.join();
		CPPUNIT_ASSERT_EQUAL(0, wrong.load());
		CPPUNIT_ASSERT(cache.size() <= 64);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(ExpiringCacheTest);
