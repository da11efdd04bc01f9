#include "util/FileDescriptor.h"

#include <unistd.h>

#include <cerrno>

namespace Nexus {

FileDescriptor::FileDescriptor(int fd) noexcept: _fd(fd < 0 ? -1 : fd) {}

FileDescriptor::~FileDescriptor()
{
	close();
}

FileDescriptor::FileDescriptor(FileDescriptor&& other) noexcept: _fd(other.release()) {}

FileDescriptor& FileDescriptor::operator=(FileDescriptor&& other) noexcept
{
	if (this != &other)
	{
		close();
		_fd = other.release();
	}
	return *this;
}

int FileDescriptor::release() noexcept
{
	const int fd = _fd;
	_fd = -1;
	return fd;
}

int FileDescriptor::close() noexcept
{
	if (_fd < 0) return 0;
	// Not retried on EINTR: Linux has closed the descriptor by then.
	return ::close(release()) == 0 ? 0 : errno;
}

} // namespace Nexus
