// KeyringCache: first load, reload after rotation, the check interval, and keeping the keyring on a bad reload.
#include "vault/KeyringCache.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/TemporaryFile.h>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using Nexus::Vault::Keyring;
using Nexus::Vault::KeyringCache;
using Nexus::Vault::KeyringError;

using NexusTest::contains;
using NexusTest::thrown;

namespace {

const std::chrono::milliseconds kAlways(0);
const std::chrono::hours kRarely(1);

} // namespace

class KeyringCacheTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(KeyringCacheTest);
	CPPUNIT_TEST(testLoadsOnFirstUse);
	CPPUNIT_TEST(testMissingFile);
	CPPUNIT_TEST(testSameKeyringWhileUnchanged);
	CPPUNIT_TEST(testPicksUpRotation);
	CPPUNIT_TEST(testChecksAtMostOncePerInterval);
	CPPUNIT_TEST(testKeepsKeyringWhenReloadFails);
	CPPUNIT_TEST(testCurrentIsPerPath);
	CPPUNIT_TEST(testConcurrentReaders);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir.reset(new Poco::TemporaryFile);
		Poco::File(_dir->path()).createDirectories();
		_path = _dir->path() + "/vault.keyring";
		// The warnings of a failed reload are expected here.
		_logLevel = Poco::Logger::get("vault").getLevel();
		Poco::Logger::get("vault").setLevel(0);
	}

	void tearDown() override
	{
		Poco::Logger::get("vault").setLevel(_logLevel);
		_dir.reset();
	}

	void testLoadsOnFirstUse()
	{
		const Keyring keyring = Keyring::generate();
		keyring.save(_path);
		KeyringCache cache(_path, kRarely);
		const std::shared_ptr<const Keyring> loaded = cache.get();
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), loaded->activeId());
		CPPUNIT_ASSERT(keyring.key(1) == loaded->key(1));
	}

	void testMissingFile()
	{
		KeyringCache cache(_path, kAlways);
		const KeyringError e = thrown<KeyringError>([&] { cache.get(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), contains(e.what(), _path));
		Keyring::generate().save(_path);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), cache.get()->activeId());
	}

	void testSameKeyringWhileUnchanged()
	{
		Keyring::generate().save(_path);
		KeyringCache cache(_path, kAlways);
		const std::shared_ptr<const Keyring> first = cache.get();
		CPPUNIT_ASSERT(first == cache.get());
	}

	void testPicksUpRotation()
	{
		Keyring keyring = Keyring::generate();
		keyring.save(_path);
		KeyringCache cache(_path, kAlways);
		const std::shared_ptr<const Keyring> before = cache.get();
		keyring.rotate();
		keyring.save(_path);
		const std::shared_ptr<const Keyring> after = cache.get();
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), after->activeId());
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), after->size());
		// Who still holds the old keyring keeps a whole one.
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), before->activeId());
	}

	void testChecksAtMostOncePerInterval()
	{
		Keyring keyring = Keyring::generate();
		keyring.save(_path);
		KeyringCache cache(_path, kRarely);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), cache.get()->activeId());
		keyring.rotate();
		keyring.save(_path);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), cache.get()->activeId());

		KeyringCache quick(_path, std::chrono::milliseconds(50));
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), quick.get()->activeId());
		keyring.rotate();
		keyring.save(_path);
		std::this_thread::sleep_for(std::chrono::milliseconds(60));
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(3), quick.get()->activeId());
	}

	void testKeepsKeyringWhenReloadFails()
	{
		Keyring keyring = Keyring::generate();
		keyring.save(_path);
		KeyringCache cache(_path, kAlways);
		const std::shared_ptr<const Keyring> first = cache.get();
		CPPUNIT_ASSERT_EQUAL(0, ::chmod(_path.c_str(), 0644));
		CPPUNIT_ASSERT(first == cache.get());
		CPPUNIT_ASSERT(first == cache.get());
		Poco::File(_path).remove();
		CPPUNIT_ASSERT(first == cache.get());
		keyring.rotate();
		keyring.save(_path);
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), cache.get()->activeId());
	}

	void testCurrentIsPerPath()
	{
		Keyring::generate().save(_path);
		const std::string other = _dir->path() + "/other.keyring";
		Keyring two = Keyring::generate();
		two.rotate();
		two.save(other);
		const std::shared_ptr<const Keyring> a = KeyringCache::current(_path);
		CPPUNIT_ASSERT(a == KeyringCache::current(_path));
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(1), a->activeId());
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(2), KeyringCache::current(other)->activeId());
	}

	void testConcurrentReaders()
	{
		Keyring keyring = Keyring::generate();
		keyring.save(_path);
		KeyringCache cache(_path, kAlways);
		std::atomic<bool> stop(false);
		std::atomic<int> failures(0);
		std::vector<std::thread> readers;
		readers.reserve(4);
		for (int i = 0; i < 4; ++i)
			readers.emplace_back([&] {
				while (!stop)
				{
					const std::shared_ptr<const Keyring> k = cache.get();
					if (!k->has(k->activeId()) || k->key(k->activeId()).size() != Keyring::kKeyBytes) ++failures;
				}
			});
		for (int i = 0; i < 20; ++i)
		{
			keyring.rotate();
			keyring.save(_path);
		}
		stop = true;
		for (std::thread& t : readers) t.join();
		CPPUNIT_ASSERT_EQUAL(0, failures.load());
		CPPUNIT_ASSERT_EQUAL(std::uint32_t(21), cache.get()->activeId());
	}

private:
	std::unique_ptr<Poco::TemporaryFile> _dir;
	std::string _path;
	int _logLevel = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(KeyringCacheTest);
