// Keyring: keys in memory, rotation, and the keyring file (format, mode, atomic writes).
#include "vault/Keyring.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <unistd.h>

#include <Poco/Base64Encoder.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

using Nexus::Vault::Keyring;
using Nexus::Vault::KeyringError;

static_assert(!std::is_copy_constructible<Keyring>::value, "key material is not copied");
static_assert(!std::is_copy_assignable<Keyring>::value, "key material is not copied");
static_assert(std::is_nothrow_move_constructible<Keyring>::value, "");
static_assert(std::is_nothrow_move_assignable<Keyring>::value, "");

using NexusTest::contains;
using NexusTest::thrown;

using NexusTest::contentOf;
using NexusTest::modeOf;
namespace {

std::string base64(const std::string& data)
{
	std::ostringstream out;
	Poco::Base64Encoder encoder(out);
	encoder << data;
	encoder.close();
	return out.str();
}

const std::string kKeyA(32, 'A');
const std::string kKeyB(32, 'B');

} // namespace

class KeyringTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(KeyringTest);
	CPPUNIT_TEST(testGenerate);
	CPPUNIT_TEST(testRotate);
	CPPUNIT_TEST(testMissingKey);
	CPPUNIT_TEST(testRemove);
	CPPUNIT_TEST(testMoveLeavesTheSourceEmpty);
	CPPUNIT_TEST(testSaveLoadRoundTrip);
	CPPUNIT_TEST(testSavedFile);
	CPPUNIT_TEST(testSavedFileModeIgnoresUmask);
	CPPUNIT_TEST(testSaveReplacesAtomically);
	CPPUNIT_TEST(testSaveRefusesEmptyKeyring);
	CPPUNIT_TEST(testCreateNeverReplaces);
	CPPUNIT_TEST(testLoadHandWrittenFile);
	CPPUNIT_TEST(testLoadMissingFile);
	CPPUNIT_TEST(testLoadRefusesWideModes);
	CPPUNIT_TEST(testLoadRefusesASymlink);
	CPPUNIT_TEST(testLoadRefusesAnotherOwner);
	CPPUNIT_TEST(testLoadRefusesMalformedLines);
	CPPUNIT_TEST(testLoadRefusesBadActive);
	CPPUNIT_TEST(testLoadRefusesEmptyKeyring);
	CPPUNIT_TEST(testMessagesHoldNoKeyText);
	CPPUNIT_TEST(testIntegrityKey);
	CPPUNIT_TEST(testIntegrityKeyRoundTrip);
	CPPUNIT_TEST(testLoadRefusesBadIntegrityLines);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir.reset(new Poco::TemporaryFile);
		Poco::File(_dir->path()).createDirectories();
		_path = _dir->path() + "/vault.keyring";
	}

	void tearDown() override
	{
		_dir.reset(); // removes the directory tree
	}

	void testGenerate()
	{
		const Keyring keyring = Keyring::generate();
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), keyring.activeId());
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), keyring.size());
		CPPUNIT_ASSERT_EQUAL(Keyring::kKeyBytes, keyring.key(1).size());
		CPPUNIT_ASSERT(keyring.key(1) != Keyring::generate().key(1));
		CPPUNIT_ASSERT(keyring.key(1) != std::string(32, '\0'));
	}

	void testRotate()
	{
		Keyring keyring = Keyring::generate();
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), keyring.rotate());
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), keyring.activeId());
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(3), keyring.rotate());
		CPPUNIT_ASSERT_EQUAL(std::size_t(3), keyring.size());
		CPPUNIT_ASSERT(std::vector<std::uint32_t>({1, 2, 3}) == keyring.ids());
		CPPUNIT_ASSERT(keyring.key(1) != keyring.key(2) && keyring.key(2) != keyring.key(3));
		// The next id follows the highest, not the count.
		keyring.remove(1);
		keyring.remove(2);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(4), keyring.rotate());
		Keyring empty;
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), empty.rotate());
	}

	void testMissingKey()
	{
		const Keyring keyring = Keyring::generate();
		CPPUNIT_ASSERT(keyring.has(1));
		CPPUNIT_ASSERT(!keyring.has(2));
		const KeyringError e = thrown<KeyringError>([&] { keyring.key(2); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "key 2"));
	}

	void testRemove()
	{
		Keyring keyring = Keyring::generate();
		keyring.rotate();
		thrown<KeyringError>([&] { keyring.remove(2); }, CPPUNIT_SOURCELINE()); // active
		thrown<KeyringError>([&] { keyring.remove(9); }, CPPUNIT_SOURCELINE()); // unknown
		keyring.remove(1);
		CPPUNIT_ASSERT(!keyring.has(1));
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), keyring.size());
	}

	void testMoveLeavesTheSourceEmpty()
	{
		Keyring keyring = Keyring::generate();
		keyring.rotate();
		const std::string key1 = keyring.key(1);
		const std::string key2 = keyring.key(2);
		Keyring moved(std::move(keyring));
		CPPUNIT_ASSERT(key1 == moved.key(1) && key2 == moved.key(2));
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), moved.activeId());
		// NOLINTNEXTLINE(bugprone-use-after-move): checks the moved-from state
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), keyring.size());
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(0), keyring.activeId());
		Keyring target = Keyring::generate();
		target = std::move(moved);
		CPPUNIT_ASSERT(key1 == target.key(1) && key2 == target.key(2));
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), target.activeId());
		// NOLINTNEXTLINE(bugprone-use-after-move): checks the moved-from state
		CPPUNIT_ASSERT_EQUAL(std::size_t(0), moved.size());
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(0), moved.activeId());
		// A moved-from keyring is empty, not broken: it can take keys again.
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), keyring.rotate());
	}

	void testSaveLoadRoundTrip()
	{
		Keyring keyring = Keyring::generate();
		keyring.rotate();
		keyring.rotate();
		keyring.remove(2);
		keyring.save(_path);
		const Keyring loaded = Keyring::load(_path);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(3), loaded.activeId());
		CPPUNIT_ASSERT(std::vector<std::uint32_t>({1, 3}) == loaded.ids());
		CPPUNIT_ASSERT(keyring.key(1) == loaded.key(1));
		CPPUNIT_ASSERT(keyring.key(3) == loaded.key(3));
	}

	void testSavedFile()
	{
		Keyring keyring = Keyring::generate();
		keyring.rotate();
		keyring.save(_path);
		CPPUNIT_ASSERT_EQUAL(mode_t(0600), modeOf(_path));
		const std::string content = contentOf(_path);
		CPPUNIT_ASSERT(contains(content, "\nactive = 2\n"));
		CPPUNIT_ASSERT(contains(content, "\nkey.1 = " + base64(keyring.key(1)) + "\n"));
		CPPUNIT_ASSERT(contains(content, "\nkey.2 = " + base64(keyring.key(2)) + "\n"));
		CPPUNIT_ASSERT(NexusTest::startsWith(content, "# "));
		CPPUNIT_ASSERT(contains(content, "# Format: "));
	}

	void testSavedFileModeIgnoresUmask()
	{
		const mode_t previous = ::umask(0);
		Keyring::generate().save(_path);
		const mode_t saved = modeOf(_path);
		::umask(0277);
		Keyring::generate().save(_path);
		const mode_t strict = modeOf(_path);
		::umask(previous);
		CPPUNIT_ASSERT_EQUAL(mode_t(0600), saved);
		CPPUNIT_ASSERT_EQUAL(mode_t(0600), strict);
	}

	void testSaveReplacesAtomically()
	{
		Keyring keyring = Keyring::generate();
		keyring.save(_path);
		::chmod(_path.c_str(), 0400);
		keyring.rotate();
		keyring.save(_path);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), Keyring::load(_path).activeId());
		CPPUNIT_ASSERT_EQUAL(mode_t(0600), modeOf(_path));
		// No temporary file is left behind.
		std::vector<std::string> names;
		for (Poco::DirectoryIterator it(_dir->path()), end; it != end; ++it) names.push_back(it.name());
		CPPUNIT_ASSERT(std::vector<std::string>({"vault.keyring"}) == names);
	}

	void testSaveRefusesEmptyKeyring()
	{
		thrown<KeyringError>([&] { Keyring().save(_path); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(!Poco::File(_path).exists());
		const KeyringError e = thrown<KeyringError>(
		    [&] { Keyring::generate().save(_dir->path() + "/missing/vault.keyring"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "/missing/"));
	}

	void testCreateNeverReplaces()
	{
		const Keyring first = Keyring::generate();
		first.create(_path);
		CPPUNIT_ASSERT_EQUAL(mode_t(0600), modeOf(_path));
		const KeyringError e = thrown<KeyringError>([&] { Keyring::generate().create(_path); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "already exists"));
		CPPUNIT_ASSERT(first.key(1) == Keyring::load(_path).key(1));
		std::vector<std::string> names;
		for (Poco::DirectoryIterator it(_dir->path()), end; it != end; ++it) names.push_back(it.name());
		CPPUNIT_ASSERT(std::vector<std::string>({"vault.keyring"}) == names);
	}

	void testLoadHandWrittenFile()
	{
		write("# a comment\n"
		      "\n"
		      "   # an indented comment\n"
		      "key.7=" +
		      base64(kKeyA) +
		      "\r\n"
		      "\tactive   =   12  \n"
		      "key.12 = " +
		      base64(kKeyB)); // no newline at the end
		const Keyring keyring = Keyring::load(_path);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(12), keyring.activeId());
		CPPUNIT_ASSERT(std::vector<std::uint32_t>({7, 12}) == keyring.ids());
		CPPUNIT_ASSERT(kKeyA == keyring.key(7));
		CPPUNIT_ASSERT(kKeyB == keyring.key(12));
		write("active = 4294967295\nkey.4294967295 = " + base64(kKeyA) + "\n");
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(4294967295u), Keyring::load(_path).activeId());
	}

	void testLoadMissingFile()
	{
		const KeyringError e = thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), _path));
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "nexusctl vault init"));
	}

	void testLoadRefusesWideModes()
	{
		Keyring::generate().save(_path);
		for (mode_t mode : {0644, 0640, 0604, 0660, 0610, 0601, 0620, 0602, 0666})
		{
			CPPUNIT_ASSERT_EQUAL(0, ::chmod(_path.c_str(), mode));
			const KeyringError e = thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "chmod 600 " + _path));
		}
		for (mode_t mode : {0600, 0400, 0700})
		{
			CPPUNIT_ASSERT_EQUAL(0, ::chmod(_path.c_str(), mode));
			Keyring::load(_path);
		}
		const KeyringError e = thrown<KeyringError>([&] { Keyring::load(_dir->path()); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "not a regular file"));
	}

	void testLoadRefusesASymlink()
	{
		Keyring::generate().save(_path);
		const std::string link = _dir->path() + "/link.keyring";
		CPPUNIT_ASSERT_EQUAL(0, ::symlink(_path.c_str(), link.c_str()));
		const KeyringError e = thrown<KeyringError>([&] { Keyring::load(link); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "is a symbolic link"));
		::unlink(link.c_str());
	}

	void testLoadRefusesAnotherOwner()
	{
		Keyring::generate().save(_path);
		Keyring::load(_path); // this process's own
		// Giving the file away takes root (as make check runs in CI); nobody's uid:
		if (::geteuid() != 0) return;
		CPPUNIT_ASSERT_EQUAL(0, ::chown(_path.c_str(), 65534, 65534));
		const KeyringError e = thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "owned by uid 65534"));
		// Owned by its directory's owner (the service's user, for root's nexusctl): accepted.
		CPPUNIT_ASSERT_EQUAL(0, ::chown(_dir->path().c_str(), 65534, 65534));
		Keyring::load(_path);
		CPPUNIT_ASSERT_EQUAL(0, ::chown(_dir->path().c_str(), 0, 0));
		CPPUNIT_ASSERT_EQUAL(0, ::chown(_path.c_str(), 0, 0));
		Keyring::load(_path); // root's: accepted
	}

	void testLoadRefusesMalformedLines()
	{
		const std::string good = "key.1 = " + base64(kKeyA) + "\n";
		const std::vector<std::pair<std::string, std::string>> cases = {
		    {"junk", "line 3"},
		    {"key.1 " + base64(kKeyA), "line 3"},
		    {"active: 1", "line 3"},
		    {"keys.2 = " + base64(kKeyB), "line 3"},
		    {"key.x = " + base64(kKeyB), "line 3"},
		    {"key.0 = " + base64(kKeyB), "line 3"},
		    {"key.02 = " + base64(kKeyB), "line 3"},
		    {"key.-2 = " + base64(kKeyB), "line 3"},
		    {"key.4294967296 = " + base64(kKeyB), "line 3"},
		    {"key. = " + base64(kKeyB), "line 3"},
		    {"key.2 = " + base64(kKeyB).substr(1), "line 3"},
		    {"key.2 = " + base64(kKeyB) + "=", "line 3"},
		    {"key.2 = *" + base64(kKeyB).substr(1), "line 3"},
		    {"key.2 = " + base64(std::string(31, 'B')), "line 3"},
		    {"key.2 = " + base64(std::string(33, 'B')), "line 3"},
		    {"key.2 = ", "line 3"},
		    {"key.2 = " + base64(kKeyB) + " # comment", "line 3"},
		    {"key.1 = " + base64(kKeyB), "line 4"}, // the line that repeats it
		    {"active = 1", "line 3"},
		    {"active = one", "line 3"},
		    {"active = 0", "line 3"},
		    {"active = ", "line 3"},
		};
		for (const auto& c : cases)
		{
			write("# keyring\nactive = 1\n" + c.first + "\n" + good);
			const KeyringError e = thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(c.first + ": " + e.what(), contains(e.what(), c.second + ":"));
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), _path));
		}
	}

	void testLoadRefusesBadActive()
	{
		write("active = 2\nkey.1 = " + base64(kKeyA) + "\n");
		KeyringError e = thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "active key 2"));
		write("key.1 = " + base64(kKeyA) + "\n");
		e = thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "active"));
	}

	void testLoadRefusesEmptyKeyring()
	{
		for (const std::string content : {"", "\n\n", "# only a comment\n", "active = 1\n"})
		{
			write(content);
			const KeyringError e = thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), "no key"));
		}
	}

	void testMessagesHoldNoKeyText()
	{
		const std::string a = base64(kKeyA);
		const std::string b = base64(kKeyB);
		const std::vector<std::string> files = {
		    "active = 1\nkey.1 = " + a + "\nkey.1 = " + b + "\n",
		    "active = 1\nkey.1 = " + a + "\n" + b + "\n",
		    "active = 1\nkey.1 = " + a + "\n" + b + " = " + b + "\n",
		    "active = 1\nkey.1 = " + a + "\nkey.2 = " + b.substr(0, 40) + "\n",
		    "active = 1\nkey.1 = " + a + "\nkey.2 = " + b + b + "\n",
		    "active = 1\nkey.1 = " + a + "\nkey.x" + b + " = " + b + "\n",
		    "active = " + b + "\nkey.1 = " + a + "\n",
		    "active = 3\nkey.1 = " + a + "\nkey.2 = " + b + "\n",
		};
		for (const std::string& content : files)
		{
			write(content);
			const std::string message =
			    thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE()).what();
			CPPUNIT_ASSERT_MESSAGE(message, !contains(message, a.substr(0, 8)));
			CPPUNIT_ASSERT_MESSAGE(message, !contains(message, b.substr(0, 8)));
		}
		write("active = 1\nkey.1 = " + a + "\n");
		::chmod(_path.c_str(), 0644);
		const std::string message = thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE()).what();
		CPPUNIT_ASSERT_MESSAGE(message, !contains(message, a.substr(0, 8)));
	}

private:
	void write(const std::string& content)
	{
		{
			std::ofstream out(_path, std::ios::trunc);
			out << content;
		}
		CPPUNIT_ASSERT_EQUAL(0, ::chmod(_path.c_str(), 0600));
	}

	std::unique_ptr<Poco::TemporaryFile> _dir;
	std::string _path;

	void testIntegrityKey()
	{
		const Keyring generated = Keyring::generate();
		CPPUNIT_ASSERT(generated.hasMac());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), generated.auditKeyedFrom());
		const std::string row = generated.macSubkey("nexus-audit-row-v1");
		CPPUNIT_ASSERT_EQUAL(std::size_t(32), row.size());
		CPPUNIT_ASSERT(row != generated.macSubkey("nexus-audit-chain-v1"));
		CPPUNIT_ASSERT(row != Keyring::generate().macSubkey("nexus-audit-row-v1"));
		CPPUNIT_ASSERT(generated.macSubkey("x") != generated.key(1));

		Keyring old;
		old.rotate();
		CPPUNIT_ASSERT(!old.hasMac());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), old.auditKeyedFrom());
		const KeyringError none = thrown<KeyringError>([&] { old.macSubkey("x"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(none.what(), contains(none.what(), "nexusctl vault mac-key"));
		thrown<KeyringError>([&] { old.addMac(0); }, CPPUNIT_SOURCELINE());
		old.addMac(42);
		CPPUNIT_ASSERT(old.hasMac());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(42), old.auditKeyedFrom());
		thrown<KeyringError>([&] { old.addMac(43); }, CPPUNIT_SOURCELINE());

		Keyring moved(std::move(old));
		CPPUNIT_ASSERT(moved.hasMac());
		CPPUNIT_ASSERT(!old.hasMac()); // NOLINT(bugprone-use-after-move): moving empties it
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), old.auditKeyedFrom());
	}

	void testIntegrityKeyRoundTrip()
	{
		Keyring keyring;
		keyring.rotate();
		keyring.save(_path);
		CPPUNIT_ASSERT(!Keyring::load(_path).hasMac());
		CPPUNIT_ASSERT(!contains(contentOf(_path), "\nmac"));
		keyring.addMac(123456789012345678ULL);
		keyring.save(_path);
		const Keyring loaded = Keyring::load(_path);
		CPPUNIT_ASSERT(loaded.hasMac());
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(123456789012345678ULL), loaded.auditKeyedFrom());
		CPPUNIT_ASSERT(keyring.macSubkey("l") == loaded.macSubkey("l"));
		write("active = 1\nkey.1 = " + base64(kKeyA) + "\n mac =" + base64(kKeyB) + "\nmac.audit_from= 7\n");
		const Keyring hand = Keyring::load(_path);
		CPPUNIT_ASSERT_EQUAL(std::uint64_t(7), hand.auditKeyedFrom());
		CPPUNIT_ASSERT(hand.macSubkey("l") != Keyring::load(_path).key(1));
	}

	void testLoadRefusesBadIntegrityLines()
	{
		const std::string head = "# keyring\nactive = 1\n";
		const std::string good = "key.1 = " + base64(kKeyA) + "\n";
		const std::string mac = "mac = " + base64(kKeyB) + "\n";
		const std::vector<std::pair<std::string, std::string>> cases = {
		    {head + "mac = " + base64(std::string(31, 'B')) + "\nmac.audit_from = 1\n" + good, "line 3:"},
		    {head + "mac = \nmac.audit_from = 1\n" + good, "line 3:"},
		    {head + mac + mac + "mac.audit_from = 1\n" + good, "line 4: a second `mac` line"},
		    {head + mac + "mac.audit_from = 0\n" + good, "line 4: mac.audit_from is not a positive integer"},
		    {head + mac + "mac.audit_from = 01\n" + good, "line 4:"},
		    {head + mac + "mac.audit_from = -1\n" + good, "line 4:"},
		    {head + mac + "mac.audit_from = 1234567890123456789\n" + good, "line 4:"},
		    {head + mac + "mac.audit_from = 1\nmac.audit_from = 2\n" + good, "line 5: a second"},
		    {head + mac + "mac.from = 1\n" + good, "line 4: expected"},
		    {head + mac + good, "go together"},
		    {head + "mac.audit_from = 1\n" + good, "go together"},
		};
		for (const auto& c : cases)
		{
			write(c.first);
			const KeyringError e = thrown<KeyringError>([&] { Keyring::load(_path); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(c.first + ": " + e.what(), contains(e.what(), c.second));
			CPPUNIT_ASSERT_MESSAGE(e.what(), !contains(e.what(), base64(kKeyB).substr(0, 12)));
		}
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(KeyringTest);
