// Policy: the whole access table, and Principal labels.
#include "auth/Policy.h"
#include "auth/Principal.h"
#include "http/HttpError.h"

#include <cppunit/extensions/HelperMacros.h>

#include <string>
#include <vector>

using Nexus::Auth::Access;
using Nexus::Auth::Policy;
using Nexus::Auth::Principal;
using Nexus::Http::HttpError;

namespace {

const std::string kSlug = "bob";

/// The outcome of Policy::check: 0 for pass, else the error's status.
int outcome(Access access, const Principal& principal, const std::string& slug = kSlug, bool loopback = false,
            bool read = true)
{
	try
	{
		Policy::check(access, principal, {slug, loopback, read});
		return 0;
	}
	catch (const HttpError& e)
	{
		return e.status();
	}
}

/// What Policy::check threw (fails the test when it passed).
HttpError error(Access access, const Principal& principal, const CppUnit::SourceLine& line)
{
	try
	{
		Policy::check(access, principal, {kSlug});
	}
	catch (const HttpError& e)
	{
		return e;
	}
	CppUnit::Asserter::fail(CppUnit::Message("expected Policy::check to refuse"), line);
}

const Principal kAnonymous = Principal::anonymous();
const Principal kSelf = Principal::agent(7, kSlug);
const Principal kOther = Principal::agent(8, "eve");
const Principal kAdmin = Principal::admin();
const Principal kUser = Principal::user("alice");
const Principal kAdminUser = Principal::user("carol", Principal::Role::Admin);

const int kPass = 0;
const int kUnauthorized = 401;
const int kForbidden = 403;

} // namespace

class PolicyTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(PolicyTest);
	CPPUNIT_TEST(testPublic);
	CPPUNIT_TEST(testAgent);
	CPPUNIT_TEST(testAgentSelf);
	CPPUNIT_TEST(testAdmin);
	CPPUNIT_TEST(testTable);
	CPPUNIT_TEST(testViewerIsToldWhy);
	CPPUNIT_TEST(testUnauthorizedHasChallenge);
	CPPUNIT_TEST(testForbiddenHasNoChallenge);
	CPPUNIT_TEST(testAgentSelfComparesWholeSlug);
	CPPUNIT_TEST(testUserPrincipal);
	CPPUNIT_TEST(testAdminOrLocal);
	CPPUNIT_TEST(testAccessNames);
	CPPUNIT_TEST(testLabel);
	CPPUNIT_TEST(testPrincipalKinds);
	CPPUNIT_TEST_SUITE_END();

public:
	void testPublic()
	{
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Public, kAnonymous));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Public, kSelf));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Public, kOther));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Public, kAdmin));
	}

	void testAgent()
	{
		CPPUNIT_ASSERT_EQUAL(kUnauthorized, outcome(Access::Agent, kAnonymous));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Agent, kSelf));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Agent, kOther));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Agent, kAdmin));
	}

	void testAgentSelf()
	{
		CPPUNIT_ASSERT_EQUAL(kUnauthorized, outcome(Access::AgentSelf, kAnonymous));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::AgentSelf, kSelf));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::AgentSelf, kOther));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::AgentSelf, kAdmin));
	}

	void testAdmin()
	{
		CPPUNIT_ASSERT_EQUAL(kUnauthorized, outcome(Access::Admin, kAnonymous));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::Admin, kSelf));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::Admin, kOther));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Admin, kAdmin));
	}

	void testTable()
	{
		// Rows: access; columns: anonymous, agent for :slug, another agent,
		// admin token, viewer user, admin user; for a read (GET) and a write.
		struct Row
		{
			Access access;
			int read[6];
			int write[6];
		};
		const Row table[] = {
		    {Access::Public, {kPass, kPass, kPass, kPass, kPass, kPass}, {kPass, kPass, kPass, kPass, kPass, kPass}},
		    {Access::Open, {kPass, kPass, kPass, kPass, kPass, kPass}, {kPass, kPass, kPass, kPass, kPass, kPass}},
		    {Access::Agent,
		     {kUnauthorized, kPass, kPass, kPass, kForbidden, kPass},
		     {kUnauthorized, kPass, kPass, kPass, kForbidden, kPass}},
		    {Access::AgentToken,
		     {kUnauthorized, kPass, kPass, kPass, kForbidden, kForbidden},
		     {kUnauthorized, kPass, kPass, kPass, kForbidden, kForbidden}},
		    {Access::Reader,
		     {kUnauthorized, kPass, kPass, kPass, kPass, kPass},
		     {kUnauthorized, kPass, kPass, kPass, kPass, kPass}},
		    {Access::SignedIn,
		     {kUnauthorized, kForbidden, kForbidden, kPass, kPass, kPass},
		     {kUnauthorized, kForbidden, kForbidden, kPass, kPass, kPass}},
		    {Access::AgentSelf,
		     {kUnauthorized, kPass, kForbidden, kPass, kForbidden, kPass},
		     {kUnauthorized, kPass, kForbidden, kPass, kForbidden, kForbidden}},
		    {Access::Admin,
		     {kUnauthorized, kForbidden, kForbidden, kPass, kForbidden, kPass},
		     {kUnauthorized, kForbidden, kForbidden, kPass, kForbidden, kPass}},
		    {Access::AdminOrLocal,
		     {kUnauthorized, kForbidden, kForbidden, kPass, kForbidden, kPass},
		     {kUnauthorized, kForbidden, kForbidden, kPass, kForbidden, kPass}},
		};
		const Principal* principals[] = {&kAnonymous, &kSelf, &kOther, &kAdmin, &kUser, &kAdminUser};
		for (const auto& row : table)
			for (int i = 0; i < 6; ++i)
			{
				const std::string what = std::string(Policy::name(row.access)) + " / " + principals[i]->label();
				CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " read", row.read[i],
				                             outcome(row.access, *principals[i], kSlug, false, true));
				CPPUNIT_ASSERT_EQUAL_MESSAGE(what + " write", row.write[i],
				                             outcome(row.access, *principals[i], kSlug, false, false));
			}
	}

	void testViewerIsToldWhy()
	{
		const HttpError e = error(Access::Admin, kUser, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(403, e.status());
		CPPUNIT_ASSERT(std::string(e.what()).find("admin role") != std::string::npos);
		const HttpError value = error(Access::AgentToken, kAdminUser, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(std::string(value.what()).find("browser session") != std::string::npos);
	}

	void testUnauthorizedHasChallenge()
	{
		for (Access access : {Access::Agent, Access::Reader, Access::AgentSelf, Access::Admin})
		{
			const HttpError e = error(access, kAnonymous, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_EQUAL(401, e.status());
			CPPUNIT_ASSERT_EQUAL(std::string("unauthorized"), e.code());
			CPPUNIT_ASSERT_EQUAL(std::size_t(1), e.headers().size());
			CPPUNIT_ASSERT_EQUAL(std::string("WWW-Authenticate"), e.headers()[0].first);
			CPPUNIT_ASSERT_EQUAL(std::string("Bearer realm=\"nexus\""), e.headers()[0].second);
		}
	}

	void testForbiddenHasNoChallenge()
	{
		const HttpError admin = error(Access::Admin, kSelf, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(403, admin.status());
		CPPUNIT_ASSERT_EQUAL(std::string("forbidden"), admin.code());
		CPPUNIT_ASSERT(admin.headers().empty());
		const HttpError other = error(Access::AgentSelf, kOther, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL(403, other.status());
		CPPUNIT_ASSERT(other.headers().empty());
	}

	void testAgentSelfComparesWholeSlug()
	{
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::AgentSelf, kSelf, "bobby"));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::AgentSelf, kSelf, "bo"));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::AgentSelf, kSelf, "Bob"));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::AgentSelf, kSelf, ""));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::AgentSelf, kOther, "eve"));
	}

	void testUserPrincipal()
	{
		// An SSO viewer is known (403, not 401): it may use the UI's reads but
		// holds no agent or admin rights.
		const Principal alice = Principal::user("alice");
		CPPUNIT_ASSERT(alice.isUser() && !alice.isAgent() && !alice.isAdmin() && !alice.isAnonymous());
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Public, alice));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::Reader, alice));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::Agent, alice));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::AgentSelf, alice, "alice"));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::Admin, alice));
	}

	void testAdminOrLocal()
	{
		// From a loopback address no token is needed; a token must still be the admin's.
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::AdminOrLocal, kAnonymous, kSlug, true));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::AdminOrLocal, kSelf, kSlug, true));
		CPPUNIT_ASSERT_EQUAL(kForbidden, outcome(Access::AdminOrLocal, kUser, kSlug, true));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::AdminOrLocal, kAdminUser, kSlug, true));
		CPPUNIT_ASSERT_EQUAL(kPass, outcome(Access::AdminOrLocal, kAdmin, kSlug, true));
		CPPUNIT_ASSERT_EQUAL(kUnauthorized, outcome(Access::AdminOrLocal, kAnonymous, kSlug, false));
		// The loopback flag opens nothing else.
		for (Access access : {Access::Agent, Access::Reader, Access::AgentSelf, Access::Admin})
			CPPUNIT_ASSERT_EQUAL(kUnauthorized, outcome(access, kAnonymous, kSlug, true));
		CPPUNIT_ASSERT_EQUAL(std::string("admin-or-local"), std::string(Policy::name(Access::AdminOrLocal)));
	}

	void testAccessNames()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("public"), std::string(Policy::name(Access::Public)));
		CPPUNIT_ASSERT_EQUAL(std::string("open"), std::string(Policy::name(Access::Open)));
		CPPUNIT_ASSERT_EQUAL(std::string("agent"), std::string(Policy::name(Access::Agent)));
		CPPUNIT_ASSERT_EQUAL(std::string("agent-token"), std::string(Policy::name(Access::AgentToken)));
		CPPUNIT_ASSERT_EQUAL(std::string("reader"), std::string(Policy::name(Access::Reader)));
		CPPUNIT_ASSERT_EQUAL(std::string("signed-in"), std::string(Policy::name(Access::SignedIn)));
		CPPUNIT_ASSERT_EQUAL(std::string("agent-self"), std::string(Policy::name(Access::AgentSelf)));
		CPPUNIT_ASSERT_EQUAL(std::string("admin"), std::string(Policy::name(Access::Admin)));
	}

	void testLabel()
	{
		CPPUNIT_ASSERT_EQUAL(std::string("anonymous"), kAnonymous.label());
		CPPUNIT_ASSERT_EQUAL(std::string("admin"), kAdmin.label());
		CPPUNIT_ASSERT_EQUAL(std::string("agent:bob"), kSelf.label());
		CPPUNIT_ASSERT_EQUAL(std::string("agent:eve"), kOther.label());
		CPPUNIT_ASSERT_EQUAL(std::string("user:alice"), Principal::user("alice").label());
	}

	void testPrincipalKinds()
	{
		CPPUNIT_ASSERT(kAnonymous.isAnonymous() && !kAnonymous.isAgent() && !kAnonymous.isAdmin());
		CPPUNIT_ASSERT(kSelf.isAgent() && !kSelf.isAnonymous() && !kSelf.isAdmin());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(7), kSelf.agentId);
		CPPUNIT_ASSERT_EQUAL(kSlug, kSelf.name);
		CPPUNIT_ASSERT(kAdmin.isAdmin() && !kAdmin.isAgent() && !kAdmin.isAnonymous());
		const Principal alice = Principal::user("alice");
		CPPUNIT_ASSERT(!alice.isAnonymous() && !alice.isAgent() && !alice.isAdmin());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(PolicyTest);
