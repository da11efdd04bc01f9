#pragma once
// Helpers shared by the unit tests.

#include <cppunit/Asserter.h>
#include <cppunit/Message.h>
#include <cppunit/SourceLine.h>
#include <cppunit/TestAssert.h>

#include <sys/stat.h>

#include <exception>
#include <fstream>
#include <sstream>
#include <string>

namespace NexusTest {

/// Runs f, which must throw E; returns what it threw (so the test can look
/// at its status, code and message). Fails the test at line otherwise.
template <typename E, typename F> E thrown(F f, const CppUnit::SourceLine& line)
{
	try
	{
		f();
	}
	catch (const E& e)
	{
		return e;
	}
	CppUnit::Asserter::fail(CppUnit::Message("expected an exception, none was thrown"), line);
}

/// The top of the source tree (docs/, sql/, conf/), as configure saw it
/// (Makefile.am sets NEXUS_SOURCE_DIR): the tests run from the build directory.
inline std::string sourceDir()
{
	return NEXUS_SOURCE_DIR;
}

/// The permission bits of the file at path (the test fails when it cannot stat it).
inline mode_t modeOf(const std::string& path)
{
	struct stat st;
	CPPUNIT_ASSERT_EQUAL(0, ::stat(path.c_str(), &st));
	return st.st_mode & 07777;
}

/// The whole content of the file at path ("" when it cannot be read).
inline std::string contentOf(const std::string& path)
{
	std::ifstream in(path);
	std::ostringstream out;
	out << in.rdbuf();
	return out.str();
}

/// True when s holds only base64url characters (A-Z, a-z, 0-9, '-', '_').
inline bool isBase64UrlAlphabet(const std::string& s)
{
	for (char c : s)
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	return true;
}

inline bool contains(const std::string& haystack, const std::string& needle)
{
	return haystack.find(needle) != std::string::npos;
}

inline bool startsWith(const std::string& s, const std::string& prefix)
{
	return s.compare(0, prefix.size(), prefix) == 0;
}

/// A file of the source tree, relative to its top ("conf/app.properties").
inline std::string sourcePath(const std::string& relative)
{
	return sourceDir() + "/" + relative;
}

/// The message of what error holds; "" for nullptr (no error).
inline std::string messageOf(const std::exception_ptr& error)
{
	if (!error) return {};
	try
	{
		std::rethrow_exception(error);
	}
	catch (const std::exception& e)
	{
		return e.what();
	}
}

} // namespace NexusTest
