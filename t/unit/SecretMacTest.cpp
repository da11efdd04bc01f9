// SecretMac: what a secret's MAC covers (version, access list, identity) and
// that a missing MAC fails under a keyring with an integrity key.
#include "vault/SecretMac.h"

#include <cppunit/extensions/HelperMacros.h>

using Nexus::Vault::Keyring;
using Nexus::Vault::SecretMac;
using Nexus::Vault::SecretMeta;

namespace {

SecretMeta sample()
{
	SecretMeta m;
	m.id = 7;
	m.scope = "ops";
	m.name = "db/password";
	m.version = 3;
	m.allowedProfiles = {"deploy", "backup"};
	return m;
}

} // namespace

class SecretMacTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(SecretMacTest);
	CPPUNIT_TEST(testCoversVersionListAndIdentity);
	CPPUNIT_TEST(testListIsASet);
	CPPUNIT_TEST(testHolds);
	CPPUNIT_TEST(testWithoutIntegrityKey);
	CPPUNIT_TEST_SUITE_END();

public:
	void testCoversVersionListAndIdentity()
	{
		const Keyring keyring = Keyring::generate();
		const SecretMeta base = sample();
		const auto mac = SecretMac::of(keyring, base);
		CPPUNIT_ASSERT(mac);
		CPPUNIT_ASSERT_EQUAL(std::size_t(64), mac->size());
		CPPUNIT_ASSERT(mac == SecretMac::of(keyring, base)); // deterministic

		SecretMeta rolledBack = base;
		rolledBack.version = 2;
		SecretMeta widened = base;
		widened.allowedProfiles.clear();
		SecretMeta narrowed = base;
		narrowed.allowedProfiles = {"deploy"};
		SecretMeta otherId = base;
		otherId.id = 8;
		SecretMeta otherName = base;
		otherName.name = "db/passwordx";
		// Netstrings: moving bytes between fields changes the MAC.
		SecretMeta shifted = base;
		shifted.scope = "opsd";
		shifted.name = "b/password";
		for (const SecretMeta& m : {rolledBack, widened, narrowed, otherId, otherName, shifted})
			CPPUNIT_ASSERT(SecretMac::of(keyring, m) != mac);

		const Keyring other = Keyring::generate();
		CPPUNIT_ASSERT(SecretMac::of(other, base) != mac);
	}

	void testListIsASet()
	{
		const Keyring keyring = Keyring::generate();
		SecretMeta a = sample();
		SecretMeta b = sample();
		b.allowedProfiles = {"backup", "deploy", "deploy"};
		CPPUNIT_ASSERT(SecretMac::of(keyring, a) == SecretMac::of(keyring, b));
	}

	void testHolds()
	{
		const Keyring keyring = Keyring::generate();
		SecretMeta m = sample();
		CPPUNIT_ASSERT(!SecretMac::holds(keyring, m)); // no MAC: a writer could have nulled it
		m.mac = SecretMac::of(keyring, m);
		CPPUNIT_ASSERT(SecretMac::holds(keyring, m));
		m.version = 1;
		CPPUNIT_ASSERT(!SecretMac::holds(keyring, m));
		m.version = 3;
		m.mac = std::string(64, '0');
		CPPUNIT_ASSERT(!SecretMac::holds(keyring, m));
	}

	void testWithoutIntegrityKey()
	{
		// A keyring from before integrity keys: nothing to stamp, nothing checked.
		Keyring keyring;
		keyring.rotate();
		CPPUNIT_ASSERT(!keyring.hasMac());
		SecretMeta m = sample();
		CPPUNIT_ASSERT(!SecretMac::of(keyring, m));
		CPPUNIT_ASSERT(SecretMac::holds(keyring, m));
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(SecretMacTest);
