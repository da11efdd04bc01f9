// Migrator: splitting SQL scripts, finding migrations, and schema.sql's version.
#include "db/Migrator.h"

#include "TestSupport.h"

#include <cppunit/extensions/HelperMacros.h>

#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using Nexus::Db::Migrator;

using NexusTest::thrown;

namespace {

using Statements = std::vector<std::string>;

/// The repository's sql directory: $NEXUS_SQL_DIR, else the source tree's sql/.
std::string repositorySqlDir()
{
	if (const char* dir = std::getenv("NEXUS_SQL_DIR")) return dir;
	return NexusTest::sourceDir() + "/sql";
}

} // namespace

class MigratorTest : public CppUnit::TestFixture
{
	CPPUNIT_TEST_SUITE(MigratorTest);
	CPPUNIT_TEST(testSplitSimple);
	CPPUNIT_TEST(testSplitDropsComments);
	CPPUNIT_TEST(testSplitDropsBlankLinesAndEmptyStatements);
	CPPUNIT_TEST(testSplitMultiLine);
	CPPUNIT_TEST(testSplitTrailingStatementWithoutSemicolon);
	CPPUNIT_TEST(testSplitOnlyAtLineEnd);
	CPPUNIT_TEST(testSplitCrLf);
	CPPUNIT_TEST(testNoMigrationsDirectory);
	CPPUNIT_TEST(testEmptyMigrationsDirectory);
	CPPUNIT_TEST(testMigrationsSorted);
	CPPUNIT_TEST(testOtherFilesIgnored);
	CPPUNIT_TEST(testBadlyNamedMigration);
	CPPUNIT_TEST(testLenientNumbersAreBadlyNamed);
	CPPUNIT_TEST(testDuplicateNumbers);
	CPPUNIT_TEST(testSchemaRecordsLatestVersion);
	CPPUNIT_TEST_SUITE_END();

public:
	void setUp() override
	{
		_dir.reset(new Poco::TemporaryFile);
		Poco::File(_dir->path()).createDirectories();
	}

	void tearDown() override
	{
		_dir.reset(); // removes the directory tree
	}

	void testSplitSimple()
	{
		CPPUNIT_ASSERT(Statements({"SELECT 1", "SELECT 2"}) == Migrator::splitStatements("SELECT 1;\nSELECT 2;\n"));
		CPPUNIT_ASSERT(Statements() == Migrator::splitStatements(""));
	}

	void testSplitDropsComments()
	{
		const std::string script = "-- header\n"
		                           "   -- indented comment;\n"
		                           "CREATE TABLE a (\n"
		                           "  -- a column;\n"
		                           "  id INT\n"
		                           ");\n"
		                           "--\n";
		CPPUNIT_ASSERT(Statements({"CREATE TABLE a (\n  id INT\n)"}) == Migrator::splitStatements(script));
		CPPUNIT_ASSERT(Statements() == Migrator::splitStatements("-- only a comment;\n-- another\n"));
	}

	void testSplitDropsBlankLinesAndEmptyStatements()
	{
		CPPUNIT_ASSERT(Statements({"SELECT 1", "SELECT 2"}) ==
		               Migrator::splitStatements("\n\n  \nSELECT 1;\n;\n  ;  \n\n\tSELECT 2 ;\n\n"));
	}

	void testSplitMultiLine()
	{
		const std::string script = "CREATE TABLE agents (\n"
		                           "  id   BIGINT UNSIGNED NOT NULL,\n"
		                           "\n"
		                           "  slug VARCHAR(64) NOT NULL\n"
		                           ") ENGINE=InnoDB;\n"
		                           "INSERT INTO t (a, b)\n"
		                           "  VALUES (1, 2);\n";
		const Statements statements = Migrator::splitStatements(script);
		CPPUNIT_ASSERT_EQUAL(std::size_t(2), statements.size());
		CPPUNIT_ASSERT_EQUAL(std::string("CREATE TABLE agents (\n  id   BIGINT UNSIGNED NOT NULL,\n  slug VARCHAR(64) "
		                                 "NOT NULL\n) ENGINE=InnoDB"),
		                     statements[0]);
		CPPUNIT_ASSERT_EQUAL(std::string("INSERT INTO t (a, b)\n  VALUES (1, 2)"), statements[1]);
	}

	void testSplitTrailingStatementWithoutSemicolon()
	{
		CPPUNIT_ASSERT(Statements({"SELECT 1", "SELECT 2"}) == Migrator::splitStatements("SELECT 1;\nSELECT 2"));
		CPPUNIT_ASSERT(Statements({"SELECT 1", "UPDATE t\nSET a = 1"}) ==
		               Migrator::splitStatements("SELECT 1;\nUPDATE t\nSET a = 1\n\n-- end\n"));
	}

	void testSplitOnlyAtLineEnd()
	{
		// A semicolon inside a line (a string, a COMMENT) does not end the statement.
		CPPUNIT_ASSERT(Statements({"INSERT INTO t VALUES ('a;b')", "SELECT 1"}) ==
		               Migrator::splitStatements("INSERT INTO t VALUES ('a;b');\nSELECT 1;"));
		CPPUNIT_ASSERT(Statements({"SELECT 1; SELECT 2"}) == Migrator::splitStatements("SELECT 1; SELECT 2;\n"));
	}

	void testSplitCrLf()
	{
		CPPUNIT_ASSERT(Statements({"SELECT 1", "SELECT 2"}) ==
		               Migrator::splitStatements("-- c\r\nSELECT 1;\r\n\r\nSELECT 2;\r\n"));
	}

	void testNoMigrationsDirectory()
	{
		Migrator migrator(_dir->path());
		CPPUNIT_ASSERT(migrator.migrations().empty());
		CPPUNIT_ASSERT_EQUAL(1, migrator.latestVersion());
	}

	void testEmptyMigrationsDirectory()
	{
		Poco::File(migrationsDir()).createDirectories();
		CPPUNIT_ASSERT(Migrator(_dir->path()).migrations().empty());
		CPPUNIT_ASSERT_EQUAL(1, Migrator(_dir->path()).latestVersion());
	}

	void testMigrationsSorted()
	{
		for (const char* name : {"0010-tenth.sql", "0002-second.sql", "0003-third.sql", "0009-ninth.sql"}) write(name);
		Migrator migrator(_dir->path());
		const auto all = migrator.migrations();
		CPPUNIT_ASSERT_EQUAL(std::size_t(4), all.size());
		CPPUNIT_ASSERT_EQUAL(2, all[0].version);
		CPPUNIT_ASSERT_EQUAL(3, all[1].version);
		CPPUNIT_ASSERT_EQUAL(9, all[2].version);
		CPPUNIT_ASSERT_EQUAL(10, all[3].version);
		CPPUNIT_ASSERT_EQUAL(std::string("0002-second.sql"), Poco::Path(all[0].path).getFileName());
		CPPUNIT_ASSERT_EQUAL(std::string("0010-tenth.sql"), Poco::Path(all[3].path).getFileName());
		CPPUNIT_ASSERT(Poco::File(all[3].path).exists());
		CPPUNIT_ASSERT_EQUAL(10, migrator.latestVersion());
	}

	void testOtherFilesIgnored()
	{
		write("0002-second.sql");
		write("README.md");
		write("notes.txt");
		write("0003-draft.sql.orig");
		const auto all = Migrator(_dir->path()).migrations();
		CPPUNIT_ASSERT_EQUAL(std::size_t(1), all.size());
		CPPUNIT_ASSERT_EQUAL(2, Migrator(_dir->path()).latestVersion());
	}

	void testBadlyNamedMigration()
	{
		for (const char* name : {"2-second.sql", "0002_second.sql", "abcd-x.sql", "0002.sql", "00002-x.sql",
		                         "0001-first.sql", "0000-zero.sql", "x.sql", "002a-x.sql", "-002-x.sql"})
		{
			setUp();
			write("0002-fine.sql");
			write(name);
			const auto e =
			    thrown<std::runtime_error>([&] { Migrator(_dir->path()).migrations(); }, CPPUNIT_SOURCELINE());
			CPPUNIT_ASSERT_MESSAGE(std::string(name) + ": " + e.what(),
			                       std::string(e.what()).find(name) != std::string::npos);
			CPPUNIT_ASSERT_THROW(Migrator(_dir->path()).latestVersion(), std::runtime_error);
		}
	}

	void testLenientNumbersAreBadlyNamed()
	{
		// NNNN means four digits: a sign, a blank or a thousands separator is a typo.
		std::string accepted;
		for (const char* name : {"+003-x.sql", " 003-x.sql", "0,03-x.sql"})
		{
			setUp();
			write("0002-fine.sql");
			write(name);
			try
			{
				const auto all = Migrator(_dir->path()).migrations();
				accepted += " '" + std::string(name) + "' as version " + std::to_string(all.back().version) + ";";
			}
			catch (const std::runtime_error&)
			{}
		}
		CPPUNIT_ASSERT_MESSAGE("badly named migrations accepted:" + accepted, accepted.empty());
	}

	void testDuplicateNumbers()
	{
		write("0002-a.sql");
		write("0003-b.sql");
		write("0003-c.sql");
		const auto e = thrown<std::runtime_error>([&] { Migrator(_dir->path()).migrations(); }, CPPUNIT_SOURCELINE());
		CPPUNIT_ASSERT_MESSAGE(e.what(), std::string(e.what()).find("0003") != std::string::npos);
	}

	void testSchemaRecordsLatestVersion()
	{
		const std::string sqlDir = repositorySqlDir();
		std::ifstream in(sqlDir + "/schema.sql");
		CPPUNIT_ASSERT_MESSAGE("cannot read " + sqlDir + "/schema.sql", in.good());
		std::ostringstream text;
		text << in.rdbuf();

		const std::regex insert(R"(INSERT\s+INTO\s+`?schema_version`?\s*(\([^)]*\))?\s*VALUES\s*\(\s*(\d+))",
		                        std::regex::icase);
		std::vector<int> recorded;
		for (const auto& statement : Migrator::splitStatements(text.str()))
		{
			std::smatch m;
			if (std::regex_search(statement, m, insert)) recorded.push_back(std::stoi(m[2].str()));
		}
		CPPUNIT_ASSERT_EQUAL_MESSAGE(sqlDir + "/schema.sql must insert exactly one schema_version row", std::size_t(1),
		                             recorded.size());
		CPPUNIT_ASSERT_EQUAL_MESSAGE("schema.sql's version vs the highest migration in " + sqlDir + "/migrations",
		                             Migrator(sqlDir).latestVersion(), recorded[0]);
	}

private:
	std::string migrationsDir() const { return _dir->path() + "/migrations"; }

	/// Creates migrations/name with a trivial statement.
	void write(const std::string& name) const
	{
		Poco::File(migrationsDir()).createDirectories();
		std::ofstream(migrationsDir() + "/" + name) << "SELECT 1;\n";
	}

	std::unique_ptr<Poco::TemporaryFile> _dir;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MigratorTest);
