#include "util/Periodic.h"

#include <cppunit/extensions/HelperMacros.h>

#include <atomic>
#include <thread>
#include <vector>

using Nexus::Periodic;

class PeriodicTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PeriodicTest);
	CPPUNIT_TEST(testTheFirstCallIsDue);
	CPPUNIT_TEST(testNotDueAgainWithinTheInterval);
	CPPUNIT_TEST(testDueAgainOnceTheIntervalHasPassed);
	CPPUNIT_TEST(testTheIntervalCountsFromTheLastDueCall);
	CPPUNIT_TEST(testAClockThatWentBackIsDue);
	CPPUNIT_TEST(testACallerThatReadTheClockEarlierIsNotDue);
	CPPUNIT_TEST(testAnIntervalBelowOneIsOne);
	CPPUNIT_TEST(testOfManyThreadsOneIsDue);
	CPPUNIT_TEST_SUITE_END();

public:
	void testTheFirstCallIsDue()
	{
		Periodic every(60);
		CPPUNIT_ASSERT(every.due(1000));
	}

	void testNotDueAgainWithinTheInterval()
	{
		Periodic every(60);
		CPPUNIT_ASSERT(every.due(1000));
		CPPUNIT_ASSERT(!every.due(1000));
		CPPUNIT_ASSERT(!every.due(1059));
	}

	void testDueAgainOnceTheIntervalHasPassed()
	{
		Periodic every(60);
		CPPUNIT_ASSERT(every.due(1000));
		CPPUNIT_ASSERT(every.due(1060));
		CPPUNIT_ASSERT(!every.due(1061));
	}

	void testTheIntervalCountsFromTheLastDueCall()
	{
		Periodic every(60);
		CPPUNIT_ASSERT(every.due(1000));
		CPPUNIT_ASSERT(!every.due(1030)); // a call that was not due moves nothing
		CPPUNIT_ASSERT(every.due(1075));
		CPPUNIT_ASSERT(!every.due(1134));
		CPPUNIT_ASSERT(every.due(1135));
	}

	void testAClockThatWentBackIsDue()
	{
		Periodic every(60);
		CPPUNIT_ASSERT(every.due(5000));
		CPPUNIT_ASSERT(every.due(1000)); // not put off for 4000 s
		CPPUNIT_ASSERT(!every.due(1001));
	}

	void testACallerThatReadTheClockEarlierIsNotDue()
	{
		Periodic every(60);
		CPPUNIT_ASSERT(every.due(1001));
		CPPUNIT_ASSERT(!every.due(1000)); // another thread's now, read just before
		CPPUNIT_ASSERT(!every.due(942));
		CPPUNIT_ASSERT(every.due(941));
	}

	void testAnIntervalBelowOneIsOne()
	{
		Periodic every(0);
		CPPUNIT_ASSERT_EQUAL(std::int64_t(1), every.intervalSeconds());
		CPPUNIT_ASSERT(every.due(7));
		CPPUNIT_ASSERT(!every.due(7));
		CPPUNIT_ASSERT(every.due(8));
	}

	void testOfManyThreadsOneIsDue()
	{
		Periodic every(60);
		std::atomic<int> dues{0};
		const int kThreads = 8;
		std::vector<std::thread> threads;
		threads.reserve(kThreads);
		for (int t = 0; t < kThreads; ++t)
			threads.emplace_back([&] {
				for (int i = 0; i < 1000; ++i)
					if (every.due(1000 + i / 100)) ++dues; // ten seconds, within one interval
			});
		for (auto& thread : threads) thread.join();
		CPPUNIT_ASSERT_EQUAL(1, dues.load());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(PeriodicTest);
