// SignInRules: who may sign in (empty lists: anyone) and who is an admin,
// by sub, preferred_username, a verified email, or a group.
#include "sso/SignInRules.h"
#include "config/Settings.h"
#include "oidc/IdTokenVerifier.h"

#include <cppunit/extensions/HelperMacros.h>

using Nexus::Settings;
using Nexus::Auth::Principal;
using Nexus::Oidc::Claims;
using Nexus::Sso::SignInRules;

namespace {

Claims alice()
{
	Claims c;
	c.subject = "b7e0c6a2-alice";
	c.preferredUsername = "alice";
	c.email = "alice@nexus.example";
	c.emailVerified = true;
	c.groups = {"nexus-admins", "staff"};
	return c;
}

Claims bob()
{
	Claims c;
	c.subject = "4d19f3e8-bob";
	c.preferredUsername = "bob";
	c.email = "bob@nexus.example";
	c.groups = {"staff"};
	return c;
}

} // namespace

class SignInRulesTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SignInRulesTest);
	CPPUNIT_TEST(testEmptyListsLetAnyoneInAsViewer);
	CPPUNIT_TEST(testAdminsByGroupOrUser);
	CPPUNIT_TEST(testAllowListsRefuseOthers);
	CPPUNIT_TEST(testUnverifiedEmailNamesNobody);
	CPPUNIT_TEST_SUITE_END();

public:
	void testEmptyListsLetAnyoneInAsViewer()
	{
		const Settings s;
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, alice()) == Principal::Role::Viewer);
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, Claims{}) == Principal::Role::Viewer);
	}

	void testAdminsByGroupOrUser()
	{
		Settings s;
		s.sso.adminGroups = {"nexus-admins"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, alice()) == Principal::Role::Admin);
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, bob()) == Principal::Role::Viewer);
		s.sso.adminUsers = {"bob"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, bob()) == Principal::Role::Admin);
		s.sso.adminUsers = {"4d19f3e8-bob"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, bob()) == Principal::Role::Admin);
		s.sso.adminGroups = {"Nexus-Admins"}; // names compare exactly
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, alice()) == Principal::Role::Viewer);
	}

	void testAllowListsRefuseOthers()
	{
		Settings s;
		s.sso.allowedUsers = {"alice"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, alice()));
		CPPUNIT_ASSERT(!SignInRules::roleOf(s.sso, bob()));
		s.sso.allowedGroups = {"staff"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, bob()));
		s.sso.allowedUsers.clear();
		s.sso.allowedGroups = {"nexus-admins"};
		CPPUNIT_ASSERT(!SignInRules::roleOf(s.sso, bob()));
		// An admin list does not let anyone in past the allow lists.
		s.sso.adminUsers = {"bob"};
		CPPUNIT_ASSERT(!SignInRules::roleOf(s.sso, bob()));
	}

	void testUnverifiedEmailNamesNobody()
	{
		Settings s;
		s.sso.allowedUsers = {"bob@nexus.example"};
		CPPUNIT_ASSERT(!SignInRules::roleOf(s.sso, bob()));
		Claims verified = bob();
		verified.emailVerified = true;
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, verified));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(SignInRulesTest);
