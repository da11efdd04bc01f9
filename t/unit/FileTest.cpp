// writeFileAtomically and readSmallFile: modes, replacing or not, what is
// left behind, limits, and messages that name the file.
#include "util/File.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using Nexus::AtomicWriteOptions;
using Nexus::FileError;
using Nexus::readSmallFile;
using Nexus::writeFileAtomically;

using NexusTest::contains;
using NexusTest::thrown;

using NexusTest::contentOf;
using NexusTest::modeOf;
namespace {

AtomicWriteOptions createOnly()
{
	AtomicWriteOptions options;
	options.replace = false;
	return options;
}

} // namespace

class FileTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FileTest);
	CPPUNIT_TEST(testWriteCreatesTheFile);
	CPPUNIT_TEST(testWriteGivesTheModeExactly);
	CPPUNIT_TEST(testWriteReplacesAndLeavesNoTemporaryFile);
	CPPUNIT_TEST(testWriteKeepingTheOwnerOfOwnFile);
	CPPUNIT_TEST(testCreateOnlyNeverReplaces);
	CPPUNIT_TEST(testWriteFailureNamesTheTemporaryFile);
	CPPUNIT_TEST(testReadWholeFile);
	CPPUNIT_TEST(testReadMissingFile);
	CPPUNIT_TEST(testReadRefusesNonRegularFile);
	CPPUNIT_TEST(testReadRefusesMoreThanTheLimit);
	CPPUNIT_TEST(testReadCheckRunsBeforeReading);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir.reset(new Poco::TemporaryFile);
		Poco::File(_dir->path()).createDirectories();
		_path = _dir->path() + "/data";
	}

	void tearDown() override { _dir.reset(); }

	void testWriteCreatesTheFile()
	{
		writeFileAtomically(_path, std::string("one\0two", 7));
		CPPUNIT_ASSERT_EQUAL(std::string("one\0two", 7), contentOf(_path));
		CPPUNIT_ASSERT_EQUAL(mode_t(0600), modeOf(_path));
		writeFileAtomically(_dir->path() + "/empty", "");
		CPPUNIT_ASSERT_EQUAL(std::string(), contentOf(_dir->path() + "/empty"));
	}

	void testWriteGivesTheModeExactly()
	{
		const mode_t previous = ::umask(0277);
		AtomicWriteOptions options;
		options.mode = 0640;
		writeFileAtomically(_path, "x", options);
		const mode_t strict = modeOf(_path);
		::umask(0);
		writeFileAtomically(_path, "x");
		const mode_t open = modeOf(_path);
		::umask(previous);
		CPPUNIT_ASSERT_EQUAL(mode_t(0640), strict);
		CPPUNIT_ASSERT_EQUAL(mode_t(0600), open);
	}

	void testWriteReplacesAndLeavesNoTemporaryFile()
	{
		writeFileAtomically(_path, "old");
		::chmod(_path.c_str(), 0400);
		struct stat before;
		CPPUNIT_ASSERT_EQUAL(0, ::stat(_path.c_str(), &before));
		writeFileAtomically(_path, "new");
		struct stat after;
		CPPUNIT_ASSERT_EQUAL(0, ::stat(_path.c_str(), &after));
		CPPUNIT_ASSERT_EQUAL(std::string("new"), contentOf(_path));
		CPPUNIT_ASSERT_EQUAL(mode_t(0600), modeOf(_path));
		CPPUNIT_ASSERT(before.st_ino != after.st_ino); // a new file took the name: never a partial write
		CPPUNIT_ASSERT(std::vector<std::string>({"data"}) == names());
	}

	void testWriteKeepingTheOwnerOfOwnFile()
	{
		AtomicWriteOptions options;
		options.keepOwner = true;
		writeFileAtomically(_path, "one", options);
		writeFileAtomically(_path, "two", options); // our own file: nothing to change, no root needed
		CPPUNIT_ASSERT_EQUAL(std::string("two"), contentOf(_path));
	}

	void testCreateOnlyNeverReplaces()
	{
		writeFileAtomically(_path, "first", createOnly());
		CPPUNIT_ASSERT_EQUAL(mode_t(0600), modeOf(_path));
		AtomicWriteOptions options = createOnly();
		options.description = "token file";
		const FileError e =
		    thrown<FileError>([&] { writeFileAtomically(_path, "second", options); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL("token file " + _path + " already exists", std::string(e.what()));
		CPPUNIT_ASSERT_EQUAL(EEXIST, e.error());
		CPPUNIT_ASSERT_EQUAL(_path, e.path());
		CPPUNIT_ASSERT_EQUAL(std::string("first"), contentOf(_path));
		CPPUNIT_ASSERT(std::vector<std::string>({"data"}) == names());
	}

	void testWriteFailureNamesTheTemporaryFile()
	{
		const std::string path = _dir->path() + "/missing/data";
		const FileError e = thrown<FileError>([&] { writeFileAtomically(path, "x"); }, CPPUNIT_SOURCELINE());
		const std::regex expected("cannot create " + _dir->path() + "/missing/data\\.new-[0-9a-f]{16}: .+");
		CPPUNIT_ASSERT_MESSAGE(e.what(), std::regex_match(std::string(e.what()), expected));
		CPPUNIT_ASSERT_EQUAL(ENOENT, e.error());
	}

	void testReadWholeFile()
	{
		writeFileAtomically(_path, std::string("a\0b\n", 4));
		std::string content;
		readSmallFile(_path, 4, content);
		CPPUNIT_ASSERT_EQUAL(std::string("a\0b\n", 4), content);
		writeFileAtomically(_path, "");
		readSmallFile(_path, 4, content);
		CPPUNIT_ASSERT_EQUAL(std::string(), content);
	}

	void testReadMissingFile()
	{
		std::string content;
		FileError e = thrown<FileError>([&] { readSmallFile(_path, 10, content); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL("file " + _path + " does not exist", std::string(e.what()));
		CPPUNIT_ASSERT_EQUAL(ENOENT, e.error());
		e = thrown<FileError>([&] { readSmallFile(_path, 10, content, {}, "token file"); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL("token file " + _path + " does not exist", std::string(e.what()));
	}

	void testReadRefusesNonRegularFile()
	{
		std::string content;
		const FileError e = thrown<FileError>([&] { readSmallFile(_dir->path(), 10, content); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL("file " + _dir->path() + " is not a regular file", std::string(e.what()));
	}

	void testReadRefusesMoreThanTheLimit()
	{
		writeFileAtomically(_path, "12345");
		std::string content;
		const FileError e = thrown<FileError>([&] { readSmallFile(_path, 4, content); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_EQUAL("file " + _path + " is too large", std::string(e.what()));
		CPPUNIT_ASSERT_EQUAL(EFBIG, e.error());
		readSmallFile(_path, 5, content);
		CPPUNIT_ASSERT_EQUAL(std::string("12345"), content);
	}

	void testReadCheckRunsBeforeReading()
	{
		writeFileAtomically(_path, "secret");
		::chmod(_path.c_str(), 0640);
		mode_t seen = 0;
		std::string content;
		readSmallFile(_path, 10, content, [&](const struct stat& st) { seen = st.st_mode & 07777; });
		CPPUNIT_ASSERT_EQUAL(mode_t(0640), seen);
		CPPUNIT_ASSERT_EQUAL(std::string("secret"), content);
		content.clear();
		thrown<std::invalid_argument>(
		    [&] {
			    readSmallFile(_path, 10, content, [](const struct stat&) { throw std::invalid_argument("refused"); });
		    },
		    CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT(content.empty());
	}

private:
	std::vector<std::string> names() const
	{
		std::vector<std::string> names;
		for (Poco::DirectoryIterator it(_dir->path()), end; it != end; ++it) names.push_back(it.name());
		return names;
	}

	std::unique_ptr<Poco::TemporaryFile> _dir;
	std::string _path;
};

CPPUNIT_TEST_SUITE_REGISTRATION(FileTest);
