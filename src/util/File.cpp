// Atomic writes and bounded reads of small files: the POSIX calls, their
// order and their error messages, kept apart from what the files hold.
#include "util/File.h"

#include "util/FileDescriptor.h"
#include "util/Hex.h"

#include <openssl/rand.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace Nexus {

namespace {

std::string errorText(int error)
{
	return std::strerror(error);
}

/// Throws FileError "WHAT FILE: strerror(errno)" about path. what is a plain
/// string so that nothing runs between the failed call and reading errno.
[[noreturn]] void throwErrno(const char* what, const std::string& file, const std::string& path)
{
	const int error = errno;
	throw FileError(what + (" " + file) + ": " + errorText(error), path, error);
}

[[noreturn]] void throwErrno(const char* what, const std::string& path)
{
	throwErrno(what, path, path);
}

FileError alreadyExists(const std::string& path, const std::string& description)
{
	return FileError(description + " " + path + " already exists", path, EEXIST);
}

/// A name next to target that no one else picks: PATH.new-<16 hex digits>.
std::string temporaryPath(const std::string& target)
{
	unsigned char bytes[8];
	if (RAND_bytes(bytes, sizeof(bytes)) != 1) throw FileError("random generator failed", target, 0);
	return target + ".new-" + Hex::encode(bytes, sizeof(bytes));
}

/// A temporary file next to the target, created with O_EXCL and given its
/// mode exactly; removed unless committed.
class TemporaryFile
{
public:
	TemporaryFile(const std::string& target, mode_t mode):
	    _path(temporaryPath(target)),
	    _fd(::open(_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode))
	{
		if (!_fd.valid()) throwErrno("cannot create", _path);
		// The umask may have taken bits away.
		if (::fchmod(_fd.get(), mode) != 0)
		{
			const int error = errno;
			::unlink(_path.c_str()); // no destructor runs for a constructor that throws
			throw FileError("cannot set the mode of " + _path + ": " + errorText(error), _path, error);
		}
	}

	~TemporaryFile()
	{
		_fd.close();
		if (!_committed) ::unlink(_path.c_str());
	}

	TemporaryFile(const TemporaryFile&) = delete;
	TemporaryFile& operator=(const TemporaryFile&) = delete;

	const std::string& path() const { return _path; }

	/// Gives the file the owner and group of target (as st describes it),
	/// unless they are the caller's.
	void copyOwner(const std::string& target, const struct stat& st, const std::string& description)
	{
		if (st.st_uid == ::geteuid() && st.st_gid == ::getegid()) return;
		if (::fchown(_fd.get(), st.st_uid, st.st_gid) != 0)
		{
			const int error = errno;
			throw FileError("cannot give the new " + description + " the owner of " + target + " (uid " +
			                    std::to_string(st.st_uid) + ", gid " + std::to_string(st.st_gid) +
			                    "): " + errorText(error) + "; run as that user or as root",
			                target, error);
		}
	}

	/// Writes content, fsyncs and closes.
	void write(const std::string& content)
	{
		std::size_t done = 0;
		while (done < content.size())
		{
			const ssize_t n = ::write(_fd.get(), content.data() + done, content.size() - done);
			if (n < 0 && errno == EINTR) continue;
			if (n < 0) throwErrno("cannot write", _path);
			done += static_cast<std::size_t>(n);
		}
		if (::fsync(_fd.get()) != 0) throwErrno("cannot sync", _path);
		if (const int error = _fd.close())
			throw FileError("cannot write " + _path + ": " + errorText(error), _path, error);
	}

	/// The file now lives under another name (or is to go with the destructor).
	void commit() { _committed = true; }

private:
	const std::string _path;
	FileDescriptor _fd;
	bool _committed = false;
};

void syncDirectory(const std::string& directory)
{
	const FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!fd.valid()) throwErrno("cannot open directory", directory);
	if (::fsync(fd.get()) != 0) throwErrno("cannot sync directory", directory);
}

} // namespace

FileError::FileError(const std::string& message, std::string path, int error):
    std::runtime_error(message), _path(std::move(path)), _error(error)
{}

void writeFileAtomically(const std::string& path, const std::string& content, const AtomicWriteOptions& options)
{
	struct stat st;
	const bool exists = ::stat(path.c_str(), &st) == 0;
	if (exists && !options.replace) throw alreadyExists(path, options.description);

	TemporaryFile temporary(path, options.mode);
	if (exists && options.keepOwner) temporary.copyOwner(path, st, options.description);
	temporary.write(content);
	if (options.replace)
	{
		if (::rename(temporary.path().c_str(), path.c_str()) != 0)
		{
			const int error = errno;
			throw FileError("cannot rename " + temporary.path() + " to " + path + ": " + errorText(error), path, error);
		}
		temporary.commit();
	}
	else
	{
		// link() fails when path exists, even one created since the stat() above.
		if (::link(temporary.path().c_str(), path.c_str()) != 0)
		{
			if (errno == EEXIST) throw alreadyExists(path, options.description);
			throwErrno("cannot create", path);
		}
		// The temporary name goes away with the destructor's unlink.
	}
	syncDirectory(parentDirectory(path));
}

void readSmallFile(const std::string& path, std::size_t maxBytes, std::string& content, const FileCheck& check,
                   const std::string& description, bool noSymlink)
{
	const std::string file = description + " " + path;
	const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | (noSymlink ? O_NOFOLLOW : 0)));
	if (!fd.valid())
	{
		if (errno == ENOENT) throw FileError(file + " does not exist", path, ENOENT);
		if (errno == ELOOP && noSymlink)
			throw FileError(file + " is a symbolic link; name the file itself", path, ELOOP);
		throwErrno("cannot open", file, path);
	}
	struct stat st;
	if (::fstat(fd.get(), &st) != 0) throwErrno("cannot stat", file, path);
	if (!S_ISREG(st.st_mode)) throw FileError(file + " is not a regular file", path, 0);
	if (check) check(st);

	// One buffer of the largest size, so that no reallocation copies content.
	content.assign(maxBytes + 1, '\0');
	std::size_t length = 0;
	while (length < content.size())
	{
		const ssize_t n = ::read(fd.get(), &content[length], content.size() - length);
		if (n < 0 && errno == EINTR) continue;
		if (n < 0) throwErrno("cannot read", file, path);
		if (n == 0) break;
		length += static_cast<std::size_t>(n);
	}
	if (length > maxBytes) throw FileError(file + " is too large", path, EFBIG);
	content.resize(length);
}

std::string parentDirectory(const std::string& path)
{
	const std::size_t slash = path.rfind('/');
	if (slash == std::string::npos) return ".";
	if (slash == 0) return "/";
	return path.substr(0, slash);
}

} // namespace Nexus
