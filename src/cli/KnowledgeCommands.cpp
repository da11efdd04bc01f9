// nexusctl knowledge ...: load YAML files into the knowledge base, write it back out.
#include "audit/AuditLog.h"
#include "cli/Commands.h"
#include "db/Database.h"
#include "knowledge/KnowledgeStore.h"
#include "knowledge/KnowledgeYaml.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

namespace Nexus {
namespace Cli {

namespace {

namespace fs = std::filesystem;
using Knowledge::Entity;
using Knowledge::KnowledgeStore;
using Knowledge::KnowledgeYaml;

const char* const kUsage =
    "usage: nexusctl knowledge COMMAND\n"
    "\n"
    "commands:\n"
    "  import PATH...              load knowledge from YAML files (one or more documents each;\n"
    "                              a directory is read recursively for *.yaml and *.yml): new\n"
    "                              entities are created, changed ones replaced, the same ones left\n"
    "                              alone. Reports each document; exit 1 when any was rejected\n"
    "                              (the others are still loaded)\n"
    "  export [--kind K] [DIR|-]   write the knowledge base (or one kind) as YAML: one file\n"
    "                              DIR/<kind>/<name>.yaml per entity, or one multi-document\n"
    "                              stream on stdout (-, the default)\n"
    "  help                        this text\n"
    "\n"
    "The YAML shape is documented in README.md (\"Knowledge\"); export writes what import reads.\n";

const int kExitUsage = 2;
/// Larger files are refused rather than read.
const std::uintmax_t kMaxFileBytes = std::uintmax_t{16} * 1024 * 1024;
/// Entities per database round trip when exporting.
const std::size_t kExportBatch = 500;

bool isYamlFile(const fs::path& path)
{
	std::string ext = path.extension().string();
	std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
	return ext == ".yaml" || ext == ".yml";
}

/// What an import run found and did.
class Import
{
public:
	Import(const Knowledge::Limits& limits): _limits(limits) {}

	/// Files to read for a command-line path, in a stable order.
	std::vector<fs::path> filesOf(const std::string& argument)
	{
		std::vector<fs::path> files;
		std::error_code error;
		const fs::path path(argument);
		if (fs::is_directory(path, error))
		{
			for (fs::recursive_directory_iterator it(path, error), end; !error && it != end; it.increment(error))
				if (it->is_regular_file(error) && isYamlFile(it->path())) files.push_back(it->path());
			if (error) reject(argument, 0, error.message());
			std::sort(files.begin(), files.end());
		}
		else if (fs::exists(path, error))
			files.push_back(path);
		else
			reject(argument, 0, "no such file or directory");
		return files;
	}

	void importFile(const fs::path& path)
	{
		const std::string file = path.string();
		std::error_code error;
		const auto size = fs::file_size(path, error);
		if (error) return reject(file, 0, error.message());
		if (size > kMaxFileBytes)
			return reject(file, 0, "larger than " + std::to_string(kMaxFileBytes) + " bytes; split it");
		std::ifstream in(path, std::ios::binary);
		std::ostringstream text;
		text << in.rdbuf();
		if (!in) return reject(file, 0, "cannot be read");

		std::vector<KnowledgeYaml::Document> documents;
		try
		{
			documents = KnowledgeYaml::parseStream(text.str(), _limits);
		}
		catch (const Knowledge::YamlError& e)
		{
			return reject(file, e.line(), e.detail() + " (nothing of this file was imported)", e.column());
		}
		if (documents.empty()) std::cout << "skipped   " << file << ": no YAML document" << std::endl;
		for (const auto& document : documents)
		{
			if (!document.entity)
			{
				reject(file, document.error->line(), document.error->detail());
				continue;
			}
			store(*document.entity, file + ":" + std::to_string(document.line));
		}
	}

	/// Prints the totals; the exit code.
	int finish() const
	{
		std::cout << "knowledge import: " << _created << " created, " << _updated << " updated, " << _unchanged
		          << " unchanged, " << _rejected << " rejected" << std::endl;
		return _rejected == 0 ? 0 : 1;
	}

private:
	void store(const Entity& entity, const std::string& where)
	{
		const std::string key = entity.kind + "/" + entity.name;
		const auto [first, fresh] = _seen.emplace(key, where);
		if (!fresh)
		{
			std::cerr << "rejected  " << where << ": " << key << " is also defined at " << first->second
			          << " (the first one is kept)" << std::endl;
			++_rejected;
			return;
		}
		// Each change is audited in its own transaction (an unchanged entity is not).
		const auto result = KnowledgeStore::put(entity, Audit::Change::byOperator("knowledge.put"));
		const char* what = "unchanged";
		switch (result.change)
		{
		case KnowledgeStore::Change::Created:
			what = "created  ";
			++_created;
			break;
		case KnowledgeStore::Change::Updated:
			what = "updated  ";
			++_updated;
			break;
		case KnowledgeStore::Change::Unchanged: ++_unchanged; break;
		}
		std::cout << what << " " << key << " (" << where << ", version " << result.entity.version << ")" << std::endl;
	}

	void reject(const std::string& file, int line, const std::string& message, int column = 0)
	{
		std::cerr << "rejected  " << file;
		if (line > 0) std::cerr << ":" << line;
		if (column > 0) std::cerr << ":" << column;
		std::cerr << ": " << message << std::endl;
		++_rejected;
	}

	Knowledge::Limits _limits;
	std::map<std::string, std::string> _seen; ///< kind/name -> where it was read
	std::size_t _created = 0, _updated = 0, _unchanged = 0, _rejected = 0;
};

int importKnowledge(const Context& context, const std::vector<std::string>& paths)
{
	if (paths.empty())
	{
		std::cerr << kUsage;
		return kExitUsage;
	}
	Knowledge::Limits limits;
	limits.maxContentBytes = context.settings().knowledgeMaxContentBytes;
	context.connect();
	Import import(limits);
	for (const auto& path : paths)
		for (const auto& file : import.filesOf(path)) import.importFile(file);
	const int code = import.finish();
	Db::Database::threadEnd();
	return code;
}

/// Writes text to path through a temporary file, so that a reader never
/// sees half a file.
void writeFile(const fs::path& path, const std::string& text)
{
	fs::create_directories(path.parent_path());
	const fs::path temporary = path.string() + ".tmp";
	{
		std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
		out << text;
		out.close();
		if (!out) throw std::runtime_error("cannot write " + temporary.string());
	}
	fs::rename(temporary, path);
}

int exportKnowledge(const Context& context, const std::vector<std::string>& args)
{
	KnowledgeStore::Filter filter;
	std::string target = "-";
	bool targetSet = false;
	for (std::size_t i = 0; i < args.size(); ++i)
	{
		std::string kind;
		if (args[i] == "--kind" && i + 1 < args.size())
			kind = args[++i];
		else if (args[i].rfind("--kind=", 0) == 0)
			kind = args[i].substr(7);
		else if (!targetSet && (args[i] == "-" || args[i].rfind('-', 0) != 0))
		{
			target = args[i];
			targetSet = true;
			continue;
		}
		else
		{
			std::cerr << kUsage;
			return kExitUsage;
		}
		if (!Knowledge::Kinds::isKind(kind))
		{
			std::cerr << "nexusctl: unknown kind '" << kind << "'; the kinds are " << Knowledge::Kinds::list()
			          << std::endl;
			return kExitUsage;
		}
		filter.kinds = {kind};
	}

	context.connect();
	std::size_t count = 0;
	std::string after;
	for (;;)
	{
		const auto rows = KnowledgeStore::list(filter, kExportBatch, after);
		std::vector<Entity> entities;
		entities.reserve(rows.size());
		for (const auto& row : rows) entities.push_back(row.entity);
		if (target == "-")
			std::cout << KnowledgeYaml::emitStream(entities, false);
		else
			for (const auto& entity : entities)
				writeFile(fs::path(target) / entity.kind / (entity.name + ".yaml"), KnowledgeYaml::emit(entity, false));
		count += rows.size();
		if (rows.size() < kExportBatch) break;
		after = rows.back().cursor;
	}
	Db::Database::threadEnd();
	if (target == "-")
		std::cout.flush();
	else
		std::cout << "exported " << count << " entities to " << target << std::endl;
	return 0;
}

} // namespace

int knowledge(const Context& context)
{
	const auto& args = context.args;
	if (args.empty())
	{
		std::cerr << kUsage;
		return kExitUsage;
	}
	const std::string& command = args[0];
	const std::vector<std::string> rest(args.begin() + 1, args.end());
	if (command == "help" || command == "-h" || command == "--help")
	{
		std::cout << kUsage;
		return 0;
	}
	if (command == "import") return importKnowledge(context, rest);
	if (command == "export") return exportKnowledge(context, rest);
	std::cerr << kUsage;
	return kExitUsage;
}

} // namespace Cli
} // namespace Nexus
