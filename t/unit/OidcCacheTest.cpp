// Cache: fetched once, kept for its maximum age, refetched at most once per interval, kept when a refresh fails.
#include "oidc/Cache.h"
#include "oidc/Error.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

using Nexus::Oidc::Cache;
using Nexus::Oidc::ProviderUnreachable;

using NexusTest::thrown;

namespace {

using Clock = std::chrono::steady_clock;

/// A fetch that counts its calls and returns "v<call>", or throws while failing is set.
struct Source
{
	int calls = 0;
	bool failing = false;
	std::string operator()()
	{
		++calls;
		if (failing) throw ProviderUnreachable("the provider is down");
		return "v" + std::to_string(calls);
	}
};

} // namespace

class OidcCacheTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(OidcCacheTest);
	CPPUNIT_TEST(testFetchesOnFirstUseOnly);
	CPPUNIT_TEST(testRefetchesAfterMaxAge);
	CPPUNIT_TEST(testRefetchAtMostOncePerInterval);
	CPPUNIT_TEST(testRefetchBeforeAnyFetchFetches);
	CPPUNIT_TEST(testKeepsTheDocumentWhenARefreshFails);
	CPPUNIT_TEST(testFirstFetchFailurePropagates);
	CPPUNIT_TEST(testConcurrentCallersShareOneFetch);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override { _now = Clock::time_point() + std::chrono::hours(1000); }

	void testFetchesOnFirstUseOnly()
	{
		Cache<std::string> cache = make();
		CPPUNIT_ASSERT_EQUAL(0, _source.calls);
		CPPUNIT_ASSERT_EQUAL(std::string("v1"), *cache.get());
		_now += std::chrono::minutes(59);
		CPPUNIT_ASSERT_EQUAL(std::string("v1"), *cache.get());
		CPPUNIT_ASSERT_EQUAL(1, _source.calls);
	}

	void testRefetchesAfterMaxAge()
	{
		Cache<std::string> cache = make();
		cache.get();
		_now += std::chrono::hours(1);
		CPPUNIT_ASSERT_EQUAL(std::string("v2"), *cache.get());
	}

	void testRefetchAtMostOncePerInterval()
	{
		Cache<std::string> cache = make();
		cache.get();
		_now += std::chrono::seconds(60);
		CPPUNIT_ASSERT_EQUAL(std::string("v2"), *cache.refetch());
		_now += std::chrono::seconds(59);
		CPPUNIT_ASSERT_EQUAL(std::string("v2"), *cache.refetch()); // too soon: the one held
		CPPUNIT_ASSERT_EQUAL(2, _source.calls);
		_now += std::chrono::seconds(1);
		CPPUNIT_ASSERT_EQUAL(std::string("v3"), *cache.refetch());
	}

	void testRefetchBeforeAnyFetchFetches()
	{
		Cache<std::string> cache = make();
		CPPUNIT_ASSERT_EQUAL(std::string("v1"), *cache.refetch());
	}

	void testKeepsTheDocumentWhenARefreshFails()
	{
		Cache<std::string> cache = make();
		cache.get();
		_now += std::chrono::hours(2);
		_source.failing = true;
		CPPUNIT_ASSERT_EQUAL(std::string("v1"), *cache.get());
		CPPUNIT_ASSERT_EQUAL(std::string("v1"), *cache.get()); // not retried within the interval
		CPPUNIT_ASSERT_EQUAL(2, _source.calls);
		_now += std::chrono::seconds(60);
		thrown<ProviderUnreachable>([&] { cache.refetch(); }, CPPUNIT_SOURCELINE()); // asked for new: told why not
		_source.failing = false;
		_now += std::chrono::seconds(60);
		CPPUNIT_ASSERT_EQUAL(std::string("v4"), *cache.get());
	}

	void testFirstFetchFailurePropagates()
	{
		Cache<std::string> cache = make();
		_source.failing = true;
		thrown<ProviderUnreachable>([&] { cache.get(); }, CPPUNIT_SOURCELINE());
		_source.failing = false;
		CPPUNIT_ASSERT_EQUAL(std::string("v2"), *cache.get()); // nothing held: tried again at once
	}

	void testConcurrentCallersShareOneFetch()
	{
		std::atomic<int> calls{0};
		Cache<std::string> cache([&] {
			++calls;
			std::this_thread::sleep_for(std::chrono::milliseconds(50));
			return std::string("keys");
		});
		std::vector<std::thread> threads;
		threads.reserve(8);
		for (int i = 0; i < 8; ++i)
			threads.emplace_back([&] { CPPUNIT_ASSERT_EQUAL(std::string("keys"), *cache.get()); });
		for (std::thread& t : threads) t.join();
		CPPUNIT_ASSERT_EQUAL(1, calls.load());
	}

private:
	Cache<std::string> make()
	{
		return Cache<std::string>([this] { return _source(); }, std::chrono::hours(1), std::chrono::seconds(60),
		                          [this] { return _now; });
	}

	Source _source;
	Clock::time_point _now;
};

CPPUNIT_TEST_SUITE_REGISTRATION(OidcCacheTest);
