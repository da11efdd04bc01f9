// FileDescriptor: one owner per descriptor, closed exactly once.
#include "util/FileDescriptor.h"

#include <cppunit/extensions/HelperMacros.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <type_traits>
#include <utility>

using Nexus::FileDescriptor;

static_assert(!std::is_copy_constructible<FileDescriptor>::value, "a copy would close the descriptor twice");
static_assert(!std::is_copy_assignable<FileDescriptor>::value, "a copy would close the descriptor twice");
static_assert(std::is_nothrow_move_constructible<FileDescriptor>::value, "");
static_assert(std::is_nothrow_move_assignable<FileDescriptor>::value, "");

namespace {

int openNull()
{
	const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
	CPPUNIT_ASSERT(fd >= 0);
	return fd;
}

bool isOpen(int fd)
{
	return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

} // namespace

class FileDescriptorTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(FileDescriptorTest);
	CPPUNIT_TEST(testClosesWhenDestroyed);
	CPPUNIT_TEST(testNegativeMeansNone);
	CPPUNIT_TEST(testReleaseGivesOwnershipAway);
	CPPUNIT_TEST(testMoveConstructionTransfersOwnership);
	CPPUNIT_TEST(testMoveAssignmentClosesWhatItHeld);
	CPPUNIT_TEST(testCloseClosesOnce);
	CPPUNIT_TEST(testCloseReportsTheError);
	CPPUNIT_TEST_SUITE_END();

public:
	void testClosesWhenDestroyed()
	{
		const int fd = openNull();
		{
			const FileDescriptor owner(fd);
			CPPUNIT_ASSERT(owner.valid());
			CPPUNIT_ASSERT_EQUAL(fd, owner.get());
		}
		CPPUNIT_ASSERT(!isOpen(fd));
	}

	void testNegativeMeansNone()
	{
		const FileDescriptor none(-5);
		CPPUNIT_ASSERT(!none.valid());
		CPPUNIT_ASSERT_EQUAL(-1, none.get());
		CPPUNIT_ASSERT_EQUAL(-1, FileDescriptor().get());
	}

	void testReleaseGivesOwnershipAway()
	{
		int fd = -1;
		{
			FileDescriptor owner(openNull());
			fd = owner.release();
			CPPUNIT_ASSERT(!owner.valid());
			CPPUNIT_ASSERT_EQUAL(-1, owner.release());
		}
		CPPUNIT_ASSERT(isOpen(fd));
		::close(fd);
	}

	void testMoveConstructionTransfersOwnership()
	{
		const int fd = openNull();
		FileDescriptor first(fd);
		{
			const FileDescriptor second(std::move(first));
			// NOLINTNEXTLINE(bugprone-use-after-move): checks the moved-from state
			CPPUNIT_ASSERT(!first.valid());
			CPPUNIT_ASSERT_EQUAL(fd, second.get());
		}
		CPPUNIT_ASSERT(!isOpen(fd));
	}

	void testMoveAssignmentClosesWhatItHeld()
	{
		const int a = openNull();
		const int b = openNull();
		FileDescriptor target(a);
		FileDescriptor source(b);
		target = std::move(source);
		CPPUNIT_ASSERT(!isOpen(a));
		// NOLINTNEXTLINE(bugprone-use-after-move): checks the moved-from state
		CPPUNIT_ASSERT(!source.valid());
		CPPUNIT_ASSERT_EQUAL(b, target.get());
		FileDescriptor& itself = target;
		target = std::move(itself);
		CPPUNIT_ASSERT_EQUAL(b, target.get());
		CPPUNIT_ASSERT(isOpen(b));
	}

	void testCloseClosesOnce()
	{
		const int fd = openNull();
		FileDescriptor owner(fd);
		CPPUNIT_ASSERT_EQUAL(0, owner.close());
		CPPUNIT_ASSERT(!owner.valid());
		CPPUNIT_ASSERT(!isOpen(fd));
		// A descriptor opened now may get the same number: the owner must not close it again.
		const int reused = openNull();
		CPPUNIT_ASSERT_EQUAL(0, owner.close());
		CPPUNIT_ASSERT(isOpen(reused));
		::close(reused);
	}

	void testCloseReportsTheError()
	{
		const int fd = openNull();
		::close(fd); // behind the owner's back
		FileDescriptor owner(fd);
		CPPUNIT_ASSERT_EQUAL(EBADF, owner.close());
		CPPUNIT_ASSERT(!owner.valid());
	}
};

CPPUNIT_TEST_SUITE_REGISTRATION(FileDescriptorTest);
