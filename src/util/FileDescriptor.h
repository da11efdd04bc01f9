#pragma once

namespace Nexus {

/// Owns one open file descriptor and closes it exactly once: on destruction,
/// on close(), or when another descriptor is moved in. Move-only, since two
/// owners would close it twice (and the second close could hit a descriptor
/// number already handed to someone else). -1 stands for none.
class FileDescriptor
{
public:
	FileDescriptor() = default;

	/// Takes ownership of fd; a negative fd (a failed ::open()) is none.
	explicit FileDescriptor(int fd) noexcept;

	/// Closes the descriptor, ignoring errors (use close() to see them).
	~FileDescriptor();

	FileDescriptor(FileDescriptor&& other) noexcept;
	FileDescriptor& operator=(FileDescriptor&& other) noexcept;
	FileDescriptor(const FileDescriptor&) = delete;
	FileDescriptor& operator=(const FileDescriptor&) = delete;

	/// The descriptor, still owned by this; -1 when none.
	int get() const { return _fd; }

	bool valid() const { return _fd >= 0; }

	/// Gives the descriptor up without closing it: the caller owns it now
	/// and this holds none. -1 when none.
	int release() noexcept;

	/// Closes the descriptor now. It is closed and no longer owned even when
	/// ::close() fails; the failure is returned as an errno value (0 for
	/// success or when there was none). For a file just written, a failure
	/// means the data may not have reached the file.
	int close() noexcept;

private:
	int _fd = -1;
};

} // namespace Nexus
