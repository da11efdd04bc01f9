// PoolStats and Metrics: the counters the master and workers share.
#include "metrics/PoolStats.h"
#include "metrics/Metrics.h"
#include "server/Service.h"

#include <cppunit/extensions/HelperMacros.h>

#include <unistd.h>

using Nexus::PoolStats;
namespace Metrics = Nexus::Metrics;

class PoolStatsTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PoolStatsTest);
	CPPUNIT_TEST(testSlotsAreReusedAndKeepTheirCounts);
	CPPUNIT_TEST(testSlotsRunOut);
	CPPUNIT_TEST(testAttachSeesTheSameCounters);
	CPPUNIT_TEST(testAttachRefusesAForeignFd);
	CPPUNIT_TEST(testStatusIndex);
	CPPUNIT_TEST(testBucketIndex);
	CPPUNIT_TEST(testMetricsWithoutStatsDoNothing);
	CPPUNIT_TEST(testLoopback);
	CPPUNIT_TEST(testQueueVerdict);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSlotsAreReusedAndKeepTheirCounts()
	{
		PoolStats stats = PoolStats::create();
		CPPUNIT_ASSERT(stats.valid());
		const auto a = stats.acquire(100);
		const auto b = stats.acquire(101);
		CPPUNIT_ASSERT(a != b);
		stats.slot(a).routes[0].byStatus[0].fetch_add(5);
		stats.slot(a).inFlight.store(2);
		stats.release(a);
		CPPUNIT_ASSERT_EQUAL(std::int64_t(0), stats.slot(a).pid.load());
		CPPUNIT_ASSERT_EQUAL(std::int64_t(0),
		                     stats.slot(a).inFlight.load()); // a dead worker's requests are not in flight
		const auto c = stats.acquire(102);
		CPPUNIT_ASSERT_EQUAL(a, c);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(5), stats.slot(c).routes[0].byStatus[0].load()); // counts survive
		CPPUNIT_ASSERT_EQUAL(std::int64_t(102), stats.slot(c).pid.load());
	}

	void testSlotsRunOut()
	{
		PoolStats stats = PoolStats::create();
		for (std::size_t i = 0; i < PoolStats::kSlots; ++i) CPPUNIT_ASSERT(stats.acquire(1 + i) < PoolStats::kSlots);
		CPPUNIT_ASSERT_EQUAL(PoolStats::kSlots, stats.acquire(9999));
		CPPUNIT_ASSERT_EQUAL(PoolStats::kSlots, PoolStats().acquire(1)); // no mapping
	}

	void testAttachSeesTheSameCounters()
	{
		PoolStats master = PoolStats::create();
		master.header().respawns.store(3);
		PoolStats worker = PoolStats::attach(::dup(master.fd()));
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(3), worker.header().respawns.load());
		worker.slot(7).databaseErrors.fetch_add(2);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), master.slot(7).databaseErrors.load());
	}

	void testAttachRefusesAForeignFd()
	{
		int pipeFds[2];
		CPPUNIT_ASSERT_EQUAL(0, ::pipe(pipeFds));
		CPPUNIT_ASSERT_THROW(PoolStats::attach(pipeFds[0]), std::runtime_error);
		::close(pipeFds[0]);
		::close(pipeFds[1]);
	}

	void testStatusIndex()
	{
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), PoolStats::statusIndex(200));
		CPPUNIT_ASSERT_EQUAL(200, PoolStats::kStatuses[PoolStats::statusIndex(200)]);
		CPPUNIT_ASSERT_EQUAL(404, PoolStats::kStatuses[PoolStats::statusIndex(404)]);
		CPPUNIT_ASSERT_EQUAL(503, PoolStats::kStatuses[PoolStats::statusIndex(503)]);
		const std::size_t other = PoolStats::kStatuses.size() - 1;
		CPPUNIT_ASSERT_EQUAL(other, PoolStats::statusIndex(418));
		CPPUNIT_ASSERT_EQUAL(other, PoolStats::statusIndex(0));
	}

	void testBucketIndex()
	{
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), PoolStats::bucketIndex(0));
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), PoolStats::bucketIndex(1000)); // 1 ms: le="0.001"
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), PoolStats::bucketIndex(1001));
		CPPUNIT_ASSERT_EQUAL(std::size_t(11), PoolStats::bucketIndex(5000000));
		CPPUNIT_ASSERT_EQUAL(PoolStats::kBounds.size(), PoolStats::bucketIndex(5000001)); // +Inf
	}

	void testMetricsWithoutStatsDoNothing()
	{
		CPPUNIT_ASSERT(Metrics::stats() == nullptr);
		Metrics::requestStarted();
		Metrics::observe(3, 200, 10);
		Metrics::databaseError();
		Metrics::auditFailure();
		Metrics::requestFinished();
		CPPUNIT_ASSERT(Metrics::stats() == nullptr);
	}

	void testLoopback()
	{
		CPPUNIT_ASSERT(Nexus::Service::isLoopback("127.0.0.1"));
		CPPUNIT_ASSERT(Nexus::Service::isLoopback("127.8.9.10"));
		CPPUNIT_ASSERT(Nexus::Service::isLoopback("::1"));
		CPPUNIT_ASSERT(Nexus::Service::isLoopback("::ffff:127.0.0.1"));
		CPPUNIT_ASSERT(!Nexus::Service::isLoopback("10.0.0.1"));
		CPPUNIT_ASSERT(!Nexus::Service::isLoopback("1127.0.0.1"));
		CPPUNIT_ASSERT(!Nexus::Service::isLoopback("::2"));
		CPPUNIT_ASSERT(!Nexus::Service::isLoopback(""));
	}

	void testQueueVerdict()
	{
		using Nexus::Service;
		using V = Service::QueueVerdict;
		CPPUNIT_ASSERT(Service::queueVerdict(0, 1000) == V::Serve);
		CPPUNIT_ASSERT(Service::queueVerdict(1000, 1000) == V::Serve);
		CPPUNIT_ASSERT(Service::queueVerdict(1001, 1000) == V::Shed);
		CPPUNIT_ASSERT(Service::queueVerdict(Service::kMaxQueueWaitMs, 1000) == V::Shed);
		// A minute and more: this host's clock runs ahead of nginx's; serve.
		CPPUNIT_ASSERT(Service::queueVerdict(Service::kMaxQueueWaitMs + 1, 1000) == V::Skew);
		CPPUNIT_ASSERT(Service::queueVerdict(3600000, 1000) == V::Skew);
		// Behind nginx's clock (a negative wait) is served, as is everything with shedding off.
		CPPUNIT_ASSERT(Service::queueVerdict(-5000, 1000) == V::Serve);
		CPPUNIT_ASSERT(Service::queueVerdict(5000, 0) == V::Serve);
		// A timeout above the bound (the setting allows an hour) moves it to twice the timeout.
		CPPUNIT_ASSERT(Service::queueVerdict(90000, 120000) == V::Serve);
		CPPUNIT_ASSERT(Service::queueVerdict(200000, 120000) == V::Shed);
		CPPUNIT_ASSERT(Service::queueVerdict(241000, 120000) == V::Skew);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(PoolStatsTest);
