#pragma once

#include "audit/AuditLog.h"
#include "db/FullTextQuery.h"
#include "knowledge/Entity.h"

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace Nexus {
namespace Knowledge {

/// The SQL of the knowledge base (table knowledge). Every method wraps
/// itself in Database::run: Http::Unavailable when the database is
/// unreachable. Each change writes its audit row (target
/// "knowledge:<kind>/<name>") in its own transaction (Audit::Change).
class KnowledgeStore
{
public:
	enum class Change
	{
		Created,
		Updated,
		Unchanged
	};

	struct PutResult
	{
		Entity entity; ///< as stored
		Change change;
	};

	/// Creates entity (version 1) or replaces the one of the same kind and
	/// name (version + 1); one that is the same already is left untouched
	/// (and not audited: nothing changed).
	static PutResult put(const Entity& entity, const Audit::Change& audit);

	static std::optional<Entity> find(const std::string& kind, const std::string& name);

	/// Deletes the entity; false when there is none.
	static bool remove(const std::string& kind, const std::string& name, const Audit::Change& audit);

	/// What a list returns.
	struct Filter
	{
		std::vector<std::string> kinds;          ///< empty: every kind
		std::optional<Db::FullTextQuery> search; ///< none: everything, by kind and name
	};

	struct Row
	{
		Entity entity;
		std::string cursor; ///< the sort key to continue after this row
	};

	/// The most words a search may have (each has its own parameter slots
	/// in the statement).
	static constexpr std::size_t kMaxSearchWords = 12;

	/// The statement list() runs, without its last parameter (the limit);
	/// params are in order, none for NULL. Its text depends only on whether
	/// there is a search, whether the search has a word the full-text index
	/// holds and, without a search, whether there is a cursor: four texts in
	/// all, so a connection prepares at most four for searches and lists.
	/// Throws Http::BadRequest for a cursor this list did not make.
	struct Statement
	{
		std::string text;
		std::vector<std::optional<std::string>> params;
		bool scored = false; ///< rows end with their score (a search)
	};
	static Statement statementOf(const Filter& filter, const std::string& after);

	/// Up to limit entities matching filter that sort after the cursor
	/// after ("" for the first page): by kind and name without a search,
	/// best match first (then kind and name) with one. A search with a word
	/// the full-text index holds looks at what the index finds for those
	/// words; one of only shorter words (or stop words) at the entities
	/// whose name starts with its first word. Words the index does not hold
	/// then narrow those candidates (each must occur somewhere). Throws
	/// Http::BadRequest for a cursor this list did not make.
	static std::vector<Row> list(const Filter& filter, std::size_t limit, const std::string& after);

	/// The server's innodb_ft_min_token_size and innodb_ft_max_token_size
	/// (read once per process).
	static std::pair<std::size_t, std::size_t> tokenSizes();
};

} // namespace Knowledge
} // namespace Nexus
