// Streamed response bodies: Response::streamed, serialize/serializeHead,
// and FcgiAdapter writing head and body to a sink, cut short when the
// writer or the sink throws.
#include "http/Response.h"
#include "server/FcgiAdapter.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>
#include <string>

using Nexus::FcgiAdapter;
using Nexus::Http::BodySink;
using Nexus::Http::Response;
using Nexus::Http::StringSink;

using NexusTest::contains;
using NexusTest::startsWith;

namespace {

/// Takes at most limit bytes, then throws (a client that went away).
class FailingSink : public BodySink
{
public:
	explicit FailingSink(std::size_t limit): _limit(limit) {}
	using BodySink::write;
	void write(const char* data, std::size_t size) override
	{
		if (text.size() + size > _limit) throw std::runtime_error("connection closed");
		text.append(data, size);
		++writes;
	}
	std::string text;
	int writes = 0;

private:
	std::size_t _limit;
};

/// A body of count pieces "<i>\n", written one by one.
Response counting(int count, int failAfter = -1)
{
	return Response::streamed(200, "text/plain; charset=utf-8", [count, failAfter](BodySink& sink) {
		for (int i = 0; i < count; ++i)
		{
			if (i == failAfter) throw std::runtime_error("database gone");
			sink.write(std::to_string(i) + "\n");
		}
	});
}

std::string expectedBody(int count)
{
	std::string s;
	for (int i = 0; i < count; ++i) s += std::to_string(i) + "\n";
	return s;
}

const std::string kHead = "Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nX-Request-Id: r1\r\n\r\n";

} // namespace

class StreamTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(StreamTest);
	CPPUNIT_TEST(testBuiltResponseIsNotStreamed);
	CPPUNIT_TEST(testStreamedHeadHasNoContentLength);
	CPPUNIT_TEST(testSerializeRunsTheWriter);
	CPPUNIT_TEST(testWriteStreamsEveryPiece);
	CPPUNIT_TEST(testWriteOfBuiltBody);
	CPPUNIT_TEST(testWriterErrorCutsTheBodyShort);
	CPPUNIT_TEST(testSinkErrorCutsTheBodyShort);
	CPPUNIT_TEST_SUITE_END();

public:
	void testBuiltResponseIsNotStreamed()
	{
		const Response r(200, "text/plain", "hello");
		CPPUNIT_ASSERT(!r.streamed());
		CPPUNIT_ASSERT_EQUAL(std::string("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhello"), r.serialize());
		CPPUNIT_ASSERT_EQUAL(std::string("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n"), r.serializeHead());
	}

	void testStreamedHeadHasNoContentLength()
	{
		Response r = counting(3);
		r.addHeader("X-Request-Id", "r1");
		CPPUNIT_ASSERT(r.streamed());
		CPPUNIT_ASSERT(r.body().empty());
		CPPUNIT_ASSERT_EQUAL(kHead, r.serializeHead());
		CPPUNIT_ASSERT(!contains(r.serializeHead(), "Content-Length"));
	}

	void testSerializeRunsTheWriter()
	{
		Response r = counting(1000);
		r.addHeader("X-Request-Id", "r1");
		CPPUNIT_ASSERT_EQUAL(kHead + expectedBody(1000), r.serialize());
	}

	void testWriteStreamsEveryPiece()
	{
		Response r = counting(500);
		r.addHeader("X-Request-Id", "r1");
		FailingSink sink(1 << 20);
		CPPUNIT_ASSERT(FcgiAdapter::write(sink, r, "r1"));
		CPPUNIT_ASSERT_EQUAL(kHead + expectedBody(500), sink.text);
		// The head, then each piece as it was produced: nothing was gathered first.
		CPPUNIT_ASSERT_EQUAL(501, sink.writes);
	}

	void testWriteOfBuiltBody()
	{
		const Response r(404, "application/json", "{}");
		StringSink sink;
		CPPUNIT_ASSERT(FcgiAdapter::write(sink, r, "r1"));
		CPPUNIT_ASSERT_EQUAL(r.serialize(), sink.text);
	}

	void testWriterErrorCutsTheBodyShort()
	{
		Response r = counting(100, 40);
		r.addHeader("X-Request-Id", "r1");
		StringSink sink;
		CPPUNIT_ASSERT(!FcgiAdapter::write(sink, r, "r1"));
		// The 200 and the first 40 pieces went out; nothing else (no error body).
		CPPUNIT_ASSERT_EQUAL(kHead + expectedBody(40), sink.text);
	}

	void testSinkErrorCutsTheBodyShort()
	{
		Response r = counting(1000);
		r.addHeader("X-Request-Id", "r1");
		FailingSink sink(kHead.size() + 100);
		CPPUNIT_ASSERT(!FcgiAdapter::write(sink, r, "r1"));
		CPPUNIT_ASSERT(startsWith(sink.text, kHead));
		CPPUNIT_ASSERT(sink.text.size() <= kHead.size() + 100);
		CPPUNIT_ASSERT(startsWith(expectedBody(1000), sink.text.substr(kHead.size())));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(StreamTest);
