// SessionCookie: __Host- with Secure over https, a plain name only over
// http, a strict shape, a CSRF token derived from the value, and the
// sign-out mark for the gate page.
#include "ui/SessionCookie.h"
#include "http/Request.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>

using Nexus::Http::Request;
using Nexus::Ui::SessionCookie;

namespace {

Request over(const std::string& scheme, const std::string& cookie = "")
{
	Request r("GET", "/api/auth/me");
	r.setScheme(scheme);
	if (!cookie.empty()) r.setHeader("Cookie", cookie);
	return r;
}

const std::string kValue(43, 'A');

} // namespace

class SessionCookieTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SessionCookieTest);
	CPPUNIT_TEST(testHttpsUsesTheHostPrefixAndSecure);
	CPPUNIT_TEST(testPlainHttpDropsSecure);
	CPPUNIT_TEST(testOnlyTheSchemesNameAndShapeCount);
	CPPUNIT_TEST(testNewValuesAreRandom);
	CPPUNIT_TEST(testCsrfTokenIsBoundToTheValue);
	CPPUNIT_TEST(testTheSignedOutMarkIsForTheGatePageOnly);
	CPPUNIT_TEST(testTheSignedOutMarkCountsOnlyUnderItsSchemesName);
	CPPUNIT_TEST_SUITE_END();

public:
	void testHttpsUsesTheHostPrefixAndSecure()
	{
		CPPUNIT_ASSERT_EQUAL("__Host-nexus_session=" + kValue + "; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60",
		                     SessionCookie::set(over("https"), kValue, 60));
		CPPUNIT_ASSERT_EQUAL(std::string("__Host-nexus_session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0"),
		                     SessionCookie::clear(over("https")));
		// A scheme nginx did not pass is taken for https.
		CPPUNIT_ASSERT_EQUAL(std::string(SessionCookie::kSecureName), SessionCookie::name(over("")));
	}

	void testPlainHttpDropsSecure()
	{
		CPPUNIT_ASSERT_EQUAL("nexus_session=" + kValue + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=60",
		                     SessionCookie::set(over("http"), kValue, 60));
	}

	void testOnlyTheSchemesNameAndShapeCount()
	{
		CPPUNIT_ASSERT_EQUAL(kValue,
		                     SessionCookie::value(over("https", "__Host-nexus_session=" + kValue)).value_or(""));
		CPPUNIT_ASSERT(!SessionCookie::value(over("https", "nexus_session=" + kValue)));
		CPPUNIT_ASSERT_EQUAL(kValue, SessionCookie::value(over("http", "a=b; nexus_session=" + kValue)).value_or(""));
		CPPUNIT_ASSERT(!SessionCookie::value(over("http", "nexus_session=short")));
		CPPUNIT_ASSERT(!SessionCookie::value(over("http", "nexus_session=" + std::string(42, 'A') + "%")));
		CPPUNIT_ASSERT(!SessionCookie::value(over("http")));
	}

	void testNewValuesAreRandom()
	{
		const std::string a = SessionCookie::newValue();
		CPPUNIT_ASSERT_EQUAL(std::size_t(43), a.size());
		CPPUNIT_ASSERT(a != SessionCookie::newValue());
		CPPUNIT_ASSERT_EQUAL(std::size_t(64), SessionCookie::hash(a).size());
	}

	void testCsrfTokenIsBoundToTheValue()
	{
		const std::string token = SessionCookie::csrfToken(kValue);
		CPPUNIT_ASSERT_EQUAL(std::size_t(43), token.size());
		CPPUNIT_ASSERT_EQUAL(token, SessionCookie::csrfToken(kValue));
		CPPUNIT_ASSERT(token != SessionCookie::csrfToken(std::string(43, 'B')));
		CPPUNIT_ASSERT(token != SessionCookie::hash(kValue));
	}

	void testTheSignedOutMarkIsForTheGatePageOnly()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("__Secure-nexus_signed_out=1; Path=/api/auth/nexus-gate; HttpOnly; "
		                                 "SameSite=Lax; Secure; Max-Age=600"),
		                     SessionCookie::markSignedOut(over("https")));
		CPPUNIT_ASSERT_EQUAL(
		    std::string("nexus_signed_out=1; Path=/api/auth/nexus-gate; HttpOnly; SameSite=Lax; Max-Age=600"),
		    SessionCookie::markSignedOut(over("http")));
		CPPUNIT_ASSERT_EQUAL(
		    std::string("nexus_signed_out=; Path=/api/auth/nexus-gate; HttpOnly; SameSite=Lax; Max-Age=0"),
		    SessionCookie::clearSignedOut(over("http")));
	}

	void testTheSignedOutMarkCountsOnlyUnderItsSchemesName()
	{
		CPPUNIT_ASSERT(SessionCookie::signedOut(over("https", "__Secure-nexus_signed_out=1")));
		CPPUNIT_ASSERT(!SessionCookie::signedOut(over("https", "nexus_signed_out=1")));
		CPPUNIT_ASSERT(SessionCookie::signedOut(over("http", "a=b; nexus_signed_out=1")));
		CPPUNIT_ASSERT(!SessionCookie::signedOut(over("http", "nexus_signed_out=yes")));
		CPPUNIT_ASSERT(!SessionCookie::signedOut(over("http")));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(SessionCookieTest);
