// The pure parts of Idempotency-Key (src/idempotency): which keys are
// valid, what makes two requests the same, the identity a stored answer is
// sealed to, and the stored answer's bytes.
#include "http/HttpError.h"
#include "http/Request.h"
#include "http/Response.h"
#include "idempotency/IdempotencyKey.h"
#include "idempotency/StoredAnswer.h"

#include <cppunit/extensions/HelperMacros.h>

#include <stdexcept>
#include <string>

using Nexus::Http::Request;
using Nexus::Http::Response;
using Nexus::Idempotency::IdempotencyKey;
using Nexus::Idempotency::StoredAnswer;

namespace {

Request post(const std::string& target, const std::string& body)
{
	Request r("POST", target);
	r.setBody(body);
	return r;
}

StoredAnswer sample()
{
	StoredAnswer a;
	a.fingerprint = std::string(64, 'a');
	a.status = 201;
	a.contentType = "application/json; charset=utf-8";
	a.headers = {{"Cache-Control", "no-store"}, {"Location", "/api/profiles/x:y"}};
	a.body = "{\"token\":\"nxa_1:2\"}\n";
	return a;
}

} // namespace

class IdempotencyTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(IdempotencyTest);
	CPPUNIT_TEST(testKeysAreOneTo255VisibleAsciiCharacters);
	CPPUNIT_TEST(testNoHeaderIsNoKey);
	CPPUNIT_TEST(testABadHeaderIsABadRequest);
	CPPUNIT_TEST(testTheSameRequestHasTheSameFingerprint);
	CPPUNIT_TEST(testMethodPathQueryAndBodyEachChangeTheFingerprint);
	CPPUNIT_TEST(testFieldsCannotRunIntoEachOther);
	CPPUNIT_TEST(testIdentityTellsPrincipalsAndKeysApart);
	CPPUNIT_TEST(testAnAnswerSurvivesEncoding);
	CPPUNIT_TEST(testDecodeRefusesWhatEncodeDidNotMake);
	CPPUNIT_TEST(testAReplayIsTheFirstAnswerMarkedReplayed);
	CPPUNIT_TEST(testAStreamedResponseCannotBeStored);
	CPPUNIT_TEST_SUITE_END();

public:
	void testKeysAreOneTo255VisibleAsciiCharacters()
	{
		CPPUNIT_ASSERT(IdempotencyKey::valid("a"));
		CPPUNIT_ASSERT(IdempotencyKey::valid("0b6f3c5e-1d7a-4c1e-9d1b-7f0a2e6b9c11"));
		CPPUNIT_ASSERT(IdempotencyKey::valid("!~\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}"));
		CPPUNIT_ASSERT(IdempotencyKey::valid(std::string(255, 'k')));
		CPPUNIT_ASSERT(!IdempotencyKey::valid(""));
		CPPUNIT_ASSERT(!IdempotencyKey::valid(std::string(256, 'k')));
		CPPUNIT_ASSERT(!IdempotencyKey::valid("a b"));
		CPPUNIT_ASSERT(!IdempotencyKey::valid("tab\there"));
		CPPUNIT_ASSERT(!IdempotencyKey::valid(std::string("nul\0", 4)));
		CPPUNIT_ASSERT(!IdempotencyKey::valid("del\x7f"));
		CPPUNIT_ASSERT(!IdempotencyKey::valid("caf\xc3\xa9"));
	}

	void testNoHeaderIsNoKey()
	{
		CPPUNIT_ASSERT(!IdempotencyKey::of(post("/api/memories/collect", "{}")));
		Request r = post("/api/memories/collect", "{}");
		r.setHeader("Idempotency-Key", "k-1");
		CPPUNIT_ASSERT_EQUAL(std::string("k-1"), IdempotencyKey::of(r).value());
	}

	void testABadHeaderIsABadRequest()
	{
		for (const std::string& bad : {std::string(), std::string("two words"), std::string(256, 'x')})
		{
			Request r = post("/api/memories/collect", "{}");
			r.setHeader("Idempotency-Key", bad);
			try
			{
				IdempotencyKey::of(r);
				CPPUNIT_FAIL("accepted '" + bad + "'");
			}
			catch (const Nexus::Http::BadRequest& e)
			{
				CPPUNIT_ASSERT_EQUAL(400, e.status());
				CPPUNIT_ASSERT(std::string(e.what()).find("Idempotency-Key") != std::string::npos);
			}
		}
	}

	void testTheSameRequestHasTheSameFingerprint()
	{
		const std::string f = IdempotencyKey::fingerprint(post("/api/agents/a/token?ttl=60", "{}"));
		CPPUNIT_ASSERT_EQUAL(std::size_t(64), f.size());
		CPPUNIT_ASSERT_EQUAL(f, IdempotencyKey::fingerprint(post("/api/agents/a/token?ttl=60", "{}")));
	}

	void testMethodPathQueryAndBodyEachChangeTheFingerprint()
	{
		const std::string f = IdempotencyKey::fingerprint(post("/api/x?a=1", "{\"v\":1}"));
		Request put("PUT", "/api/x?a=1");
		put.setBody("{\"v\":1}");
		CPPUNIT_ASSERT(f != IdempotencyKey::fingerprint(put));
		CPPUNIT_ASSERT(f != IdempotencyKey::fingerprint(post("/api/y?a=1", "{\"v\":1}")));
		CPPUNIT_ASSERT(f != IdempotencyKey::fingerprint(post("/api/x?a=2", "{\"v\":1}")));
		CPPUNIT_ASSERT(f != IdempotencyKey::fingerprint(post("/api/x", "{\"v\":1}")));
		CPPUNIT_ASSERT(f != IdempotencyKey::fingerprint(post("/api/x?a=1", "{\"v\":2}")));
	}

	void testFieldsCannotRunIntoEachOther()
	{
		// The same characters, cut elsewhere between query and body.
		CPPUNIT_ASSERT(IdempotencyKey::fingerprint(post("/p?ab", "c")) !=
		               IdempotencyKey::fingerprint(post("/p?a", "bc")));
		CPPUNIT_ASSERT(IdempotencyKey::identity("agent:a", "b:c") != IdempotencyKey::identity("agent:a:b", "c"));
	}

	void testIdentityTellsPrincipalsAndKeysApart()
	{
		const std::string id = IdempotencyKey::identity("agent:addy", "k");
		CPPUNIT_ASSERT_EQUAL(id, IdempotencyKey::identity("agent:addy", "k"));
		CPPUNIT_ASSERT(id != IdempotencyKey::identity("agent:bob", "k"));
		CPPUNIT_ASSERT(id != IdempotencyKey::identity("agent:addy", "l"));
		CPPUNIT_ASSERT(id != IdempotencyKey::identity("admin", "k"));
	}

	void testAnAnswerSurvivesEncoding()
	{
		const StoredAnswer a = sample();
		const StoredAnswer b = StoredAnswer::decode(a.encode());
		CPPUNIT_ASSERT_EQUAL(a.fingerprint, b.fingerprint);
		CPPUNIT_ASSERT_EQUAL(a.status, b.status);
		CPPUNIT_ASSERT_EQUAL(a.contentType, b.contentType);
		CPPUNIT_ASSERT(a.headers == b.headers);
		CPPUNIT_ASSERT_EQUAL(a.body, b.body);
		CPPUNIT_ASSERT_EQUAL(false, b.secret);

		StoredAnswer binary = sample();
		binary.body = std::string("\0\n:9:\xff", 6);
		binary.headers.clear();
		binary.secret = true;
		const StoredAnswer c = StoredAnswer::decode(binary.encode());
		CPPUNIT_ASSERT_EQUAL(binary.body, c.body);
		CPPUNIT_ASSERT(c.headers.empty());
		CPPUNIT_ASSERT_EQUAL(true, c.secret);
	}

	void testDecodeRefusesWhatEncodeDidNotMake()
	{
		const std::string good = sample().encode();
		CPPUNIT_ASSERT_THROW(StoredAnswer::decode(""), std::invalid_argument);
		CPPUNIT_ASSERT_THROW(StoredAnswer::decode("nexus-answer-v2\n" + good.substr(16)), std::invalid_argument);
		CPPUNIT_ASSERT_THROW(StoredAnswer::decode(good.substr(0, good.size() - 1)), std::invalid_argument);
		CPPUNIT_ASSERT_THROW(StoredAnswer::decode(good + "x"), std::invalid_argument);
		StoredAnswer badStatus = sample();
		badStatus.status = 42;
		CPPUNIT_ASSERT_THROW(StoredAnswer::decode(badStatus.encode()), std::invalid_argument);
		CPPUNIT_ASSERT_THROW(StoredAnswer::decode("nexus-answer-v1\n99999999999:x"), std::invalid_argument);
	}

	void testAReplayIsTheFirstAnswerMarkedReplayed()
	{
		Response first = Response::json(201, "{\"id\":7}\n");
		first.addHeader("Location", "/api/x/7");
		const Response replay = StoredAnswer::of(std::string(64, 'f'), first).replay();
		CPPUNIT_ASSERT_EQUAL(201, replay.status());
		CPPUNIT_ASSERT_EQUAL(first.contentType(), replay.contentType());
		CPPUNIT_ASSERT_EQUAL(first.body(), replay.body());
		CPPUNIT_ASSERT_EQUAL(std::string("/api/x/7"), replay.header("Location"));
		CPPUNIT_ASSERT_EQUAL(std::string("true"), replay.header("Idempotent-Replayed"));
	}

	void testAStreamedResponseCannotBeStored()
	{
		const Response streamed = Response::streamed(200, "text/plain", [](Nexus::Http::BodySink&) {});
		CPPUNIT_ASSERT_THROW(StoredAnswer::of(std::string(64, 'f'), streamed), std::logic_error);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(IdempotencyTest);
