#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>

namespace Nexus {

/// A file that could not be read or written, or is not what the caller
/// asked for. The message names the file and, for a failed system call,
/// strerror; it never holds file content.
class FileError : public std::runtime_error
{
public:
	FileError(const std::string& message, std::string path, int error);

	/// The file the error is about.
	const std::string& path() const { return _path; }

	/// The errno of the failed call, or the one that names the problem:
	/// ENOENT (missing), EEXIST (there already), EFBIG (too large); 0 for
	/// any other problem.
	int error() const { return _error; }

private:
	std::string _path;
	int _error;
};

/// The directory that holds path: "a/b" -> "a", "/b" -> "/", "b" -> ".".
std::string parentDirectory(const std::string& path);

/// How writeFileAtomically() writes.
struct AtomicWriteOptions
{
	/// The new file's permission bits, exactly: the umask does not apply.
	mode_t mode = 0600;

	/// Whether an existing file is replaced. If not, the write fails when
	/// the file exists, even when it appears while the write is under way.
	bool replace = true;

	/// Whether the new file gets the owner and group of the file it
	/// replaces (which takes root unless they are the caller's own).
	bool keepOwner = false;

	/// What the file is, for messages: "keyring file" makes them read
	/// "keyring file PATH already exists".
	std::string description = "file";
};

/// Writes content to path atomically: path holds either what it held or all
/// of content, never a part, also after a crash. Content goes into a new
/// temporary file PATH.new-<16 random hex digits> in the same directory
/// (O_EXCL, O_NOFOLLOW; mode set with fchmod), is fsynced, and the file is
/// renamed over path (replace) or hard-linked to it (else: link() refuses
/// an existing path); then the directory is fsynced. The temporary name is
/// gone when the call returns or throws. Content is written from the
/// caller's string, never copied. Throws FileError naming the file (the
/// temporary one where that failed) and strerror; when path exists and may
/// not be replaced, "DESCRIPTION PATH already exists" with error() EEXIST.
void writeFileAtomically(const std::string& path, const std::string& content,
                         const AtomicWriteOptions& options = AtomicWriteOptions());

/// Looks at the file readSmallFile() has opened before anything is read:
/// its fstat(), so the very file that will be read, not whatever the path
/// names by then. Throws to refuse it.
using FileCheck = std::function<void(const struct stat&)>;

/// Reads the whole regular file at path into content without a copy:
/// content is sized to maxBytes + 1 before anything is read and shrunk to
/// the file's length after, so no reallocation leaves bytes in freed memory
/// (pass an empty string; for secrets, wipe it afterwards, also after a
/// throw, when it may hold part of the file). check, when given, runs on
/// the open file first. Throws FileError, its message naming the file as
/// "DESCRIPTION PATH": "... does not exist" (error() ENOENT), "cannot open
/// ...", "cannot stat ...", "... is not a regular file", "cannot read ...",
/// "... is too large" (more than maxBytes; error() EFBIG).
/// With noSymlink, a path whose last component is a symbolic link is
/// refused ("... is a symbolic link", error() ELOOP), never followed.
void readSmallFile(const std::string& path, std::size_t maxBytes, std::string& content,
                   const FileCheck& check = FileCheck(), const std::string& description = "file",
                   bool noSymlink = false);

} // namespace Nexus
