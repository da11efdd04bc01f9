// Time: SQL DATETIME text and RFC 3339, both ways.
#include "util/Time.h"

#include <Poco/DateTime.h>

#include <cppunit/extensions/HelperMacros.h>

#include <string>

namespace Time = Nexus::Time;

class TimeTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(TimeTest);
	CPPUNIT_TEST(testSqlRoundTrip);
	CPPUNIT_TEST(testParseRfc3339);
	CPPUNIT_TEST(testParseRfc3339Refuses);
	CPPUNIT_TEST(testValidDates);
	CPPUNIT_TEST(testInvalidDates);
	CPPUNIT_TEST(testDateOf);
	CPPUNIT_TEST_SUITE_END();

public:
	void testSqlRoundTrip()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("2026-11-29T03:16:57.123Z"), Time::sqlToRfc3339("2026-11-29 03:16:57.123"));
		CPPUNIT_ASSERT_EQUAL(std::string("2026-11-29T03:16:57.000Z"), Time::sqlToRfc3339("2026-11-29 03:16:57"));
		CPPUNIT_ASSERT_EQUAL(std::string("2026-11-29 03:16:57.123"),
		                     Time::toSql(Time::fromSql("2026-11-29 03:16:57.123")));
	}

	void testParseRfc3339()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("2026-01-02 03:04:05.000000"),
		                     Time::parseRfc3339("2026-01-02T03:04:05Z").value());
		// Offsets are moved to UTC, across a day and a year boundary.
		CPPUNIT_ASSERT_EQUAL(std::string("2026-01-02 03:04:05.250000"),
		                     Time::parseRfc3339("2026-01-02T05:04:05.25+02:00").value());
		CPPUNIT_ASSERT_EQUAL(std::string("2027-01-01 00:30:00.000000"),
		                     Time::parseRfc3339("2026-12-31T23:00:00-01:30").value());
		// An unencoded '+' in a query string arrives as a space.
		CPPUNIT_ASSERT_EQUAL(std::string("2026-01-02 01:04:05.000000"),
		                     Time::parseRfc3339("2026-01-02T03:04:05 02:00").value());
	}

	void testParseRfc3339Refuses()
	{
		for (const char* bad : {"", "2026-01-02", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
		                        "2026-01-02T24:00:00Z", "2026-01-02T03:04:05", "2026-01-02T03:04:05.Z",
		                        "2026-01-02T03:04:05+2:00", "yesterday", "2026-01-02T03:04:05Zjunk"})
			CPPUNIT_ASSERT_MESSAGE(bad, !Time::parseRfc3339(bad));
	}

	void testValidDates()
	{
		for (const char* day :
		     {"2026-07-01", "2024-02-29", "2000-02-29", "2026-12-31", "1000-01-01", "9999-12-31", "2026-02-28"})
			CPPUNIT_ASSERT_MESSAGE(day, Time::isDate(day));
	}

	void testInvalidDates()
	{
		for (const char* day : {"2026-02-30",  "2026-02-29", "1900-02-29",           "2026-13-01", "2025-02-29",
		                        "2026-00-10",  "2026-04-31", "2026-01-00",           "yesterday",  "",
		                        "2026-7-1",    "2026/07/01", "2026-07-01T00:00:00Z", "0999-12-31", " 2026-07-01",
		                        "2026-07-01 ", "+026-07-01", "2026-0a-01",           "26-01-01",   "..",
		                        "%2e%2e"})
			CPPUNIT_ASSERT_MESSAGE(day, !Time::isDate(day));
	}

	void testDateOf()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("2026-07-01"),
		                     Time::dateOf(Poco::DateTime(2026, 7, 1, 23, 59, 59).timestamp()));
		CPPUNIT_ASSERT_EQUAL(std::string("2026-07-02"), Time::dateOf(Poco::DateTime(2026, 7, 2, 0, 0, 0).timestamp()));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(TimeTest);
