// SignInRules: who may sign in (empty lists: anyone) and who is an admin,
// by sub, a verified email, or a group; never by preferred_username (OIDC
// does not promise it is stable or unique, so a renamed user could match).
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
	CPPUNIT_TEST(testPreferredUsernameNamesNobody);
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
		s.sso.adminUsers = {"4d19f3e8-bob"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, bob()) == Principal::Role::Admin);
		s.sso.adminGroups = {"Nexus-Admins"}; // names compare exactly
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, alice()) == Principal::Role::Viewer);
	}

	void testAllowListsRefuseOthers()
	{
		Settings s;
		s.sso.allowedUsers = {"b7e0c6a2-alice"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, alice()));
		CPPUNIT_ASSERT(!SignInRules::roleOf(s.sso, bob()));
		s.sso.allowedGroups = {"staff"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, bob()));
		s.sso.allowedUsers.clear();
		s.sso.allowedGroups = {"nexus-admins"};
		CPPUNIT_ASSERT(!SignInRules::roleOf(s.sso, bob()));
		// An admin list does not let anyone in past the allow lists.
		s.sso.adminUsers = {"4d19f3e8-bob"};
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

	void testPreferredUsernameNamesNobody()
	{
		// Bob renames himself "alice" at the provider: he gets neither her
		// place on the allow list nor her admin role.
		Claims renamed = bob();
		renamed.preferredUsername = "alice";
		Settings s;
		s.sso.allowedUsers = {"alice"};
		CPPUNIT_ASSERT(!SignInRules::roleOf(s.sso, renamed));
		CPPUNIT_ASSERT(!SignInRules::roleOf(s.sso, alice()));
		s.sso.allowedUsers.clear();
		s.sso.adminUsers = {"alice"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, renamed) == Principal::Role::Viewer);
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, alice()) == Principal::Role::Viewer);
		// A verified email or the sub still names her.
		s.sso.adminUsers = {"alice@nexus.example"};
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, alice()) == Principal::Role::Admin);
		CPPUNIT_ASSERT(SignInRules::roleOf(s.sso, renamed) == Principal::Role::Viewer);
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(SignInRulesTest);
