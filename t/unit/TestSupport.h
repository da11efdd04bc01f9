#pragma once
// Helpers shared by the unit tests.

#include <cppunit/Asserter.h>
#include <cppunit/Message.h>
#include <cppunit/SourceLine.h>

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

} // namespace NexusTest
