#include "audit/FailureThrottle.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <thread>
#include <vector>

using Nexus::Audit::FailureThrottle;

class FailureThrottleTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FailureThrottleTest);
	CPPUNIT_TEST(testFirstOnesAreWrittenOneByOne);
	CPPUNIT_TEST(testAFloodGetsPowersOfTen);
	CPPUNIT_TEST(testTheSourceIsNamed);
	CPPUNIT_TEST(testEachAddressAndMinuteCountsAlone);
	CPPUNIT_TEST(testZeroCountsFromTheFirst);
	CPPUNIT_TEST(testAddressesAreBounded);
	CPPUNIT_TEST(testThreadsCountEveryFailure);
	CPPUNIT_TEST_SUITE_END();

public:
	void testFirstOnesAreWrittenOneByOne()
	{
		FailureThrottle throttle(3);
		for (int i = 0; i < 3; ++i)
			CPPUNIT_ASSERT_EQUAL(std::string("/api/agents"), *throttle.admit("10.0.0.1", "/api/agents", 7));
		CPPUNIT_ASSERT(!throttle.admit("10.0.0.1", "/api/agents", 7));
	}

	void testAFloodGetsPowersOfTen()
	{
		FailureThrottle throttle(3);
		std::vector<std::string> written;
		for (int i = 0; i < 2000; ++i)
			if (auto target = throttle.admit("10.0.0.1", "/p", 7)) written.push_back(*target);
		CPPUNIT_ASSERT_EQUAL(std::size_t(6), written.size()); // 1, 2, 3, 10, 100, 1000
		CPPUNIT_ASSERT_EQUAL(std::string("/p (10th failure from this address this minute)"), written[3]);
		CPPUNIT_ASSERT_EQUAL(std::string("/p (1000th failure from this address this minute)"), written[5]);
	}

	void testTheSourceIsNamed()
	{
		FailureThrottle throttle(1, "this caller");
		CPPUNIT_ASSERT_EQUAL(std::string("GET /p"), *throttle.admit("agent:a@10.0.0.1", "GET /p", 7));
		for (int i = 2; i < 10; ++i) throttle.admit("agent:a@10.0.0.1", "GET /p", 7);
		CPPUNIT_ASSERT_EQUAL(std::string("GET /p (10th failure from this caller this minute)"),
		                     *throttle.admit("agent:a@10.0.0.1", "GET /p", 7));
	}

	void testEachAddressAndMinuteCountsAlone()
	{
		FailureThrottle throttle(1);
		CPPUNIT_ASSERT(throttle.admit("a", "/p", 7));
		CPPUNIT_ASSERT(!throttle.admit("a", "/p", 7));
		CPPUNIT_ASSERT(throttle.admit("b", "/p", 7));
		CPPUNIT_ASSERT(throttle.admit("a", "/p", 8)); // a new minute starts again
		CPPUNIT_ASSERT(!throttle.admit("a", "/p", 8));
	}

	void testZeroCountsFromTheFirst()
	{
		FailureThrottle throttle(0);
		CPPUNIT_ASSERT(throttle.admit("a", "/p", 7)); // the 1st is a power of ten
		for (int i = 2; i < 10; ++i) CPPUNIT_ASSERT(!throttle.admit("a", "/p", 7));
		CPPUNIT_ASSERT(throttle.admit("a", "/p", 7));
	}

	void testAddressesAreBounded()
	{
		FailureThrottle throttle(1);
		for (std::size_t i = 0; i < FailureThrottle::kMaxAddresses; ++i) throttle.admit(std::to_string(i), "/p", 7);
		// Full: a new minute's address makes room by forgetting minute 7.
		CPPUNIT_ASSERT(throttle.admit("new", "/p", 8));
		CPPUNIT_ASSERT(throttle.admit("0", "/p", 8));
		CPPUNIT_ASSERT(!throttle.admit("new", "/p", 8));
	}

	void testThreadsCountEveryFailure()
	{
		FailureThrottle throttle(0);
		std::vector<std::thread> threads;
		std::vector<int> admitted(4, 0);
		threads.reserve(4);
		for (std::size_t t = 0; t < 4; ++t)
			threads.emplace_back([&, t] {
				for (int i = 0; i < 2500; ++i)
					if (throttle.admit("a", "/p", 7)) ++admitted[t];
			});
		for (auto& thread : threads) thread.join();
		// 10,000 failures in all: the 1st, 10th, 100th, 1000th and 10000th.
		CPPUNIT_ASSERT_EQUAL(5, admitted[0] + admitted[1] + admitted[2] + admitted[3]);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(FailureThrottleTest);
