#include "knowledge/KnowledgeStore.h"

#include "db/Database.h"
#include "http/HttpError.h"
#include "util/Time.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <cppconn/resultset.h>

#include <atomic>
#include <memory>

namespace Nexus {
namespace Knowledge {

using Db::Database;
using Db::FullTextQuery;

namespace {

const std::string kColumns =
    "k.kind, k.name, k.title, k.content, k.spec, k.tags, k.links, k.version, k.created_at, k.updated_at";

/// The relevance of a row as an exact decimal, so that a cursor can hold it.
const char* const kScoreType = "DECIMAL(20,6)";

Entity readEntity(sql::ResultSet& rs)
{
	Entity e;
	e.kind = rs.getString(1);
	e.name = rs.getString(2);
	e.title = rs.getString(3);
	e.content = rs.getString(4);
	e.spec = rs.getString(5);
	Poco::StringTokenizer tags(rs.getString(6), " ", Poco::StringTokenizer::TOK_IGNORE_EMPTY);
	e.tags.assign(tags.begin(), tags.end());
	const auto links = Poco::JSON::Parser().parse(std::string(rs.getString(7))).extract<Poco::JSON::Array::Ptr>();
	for (std::size_t i = 0; i < links->size(); ++i)
	{
		const auto o = links->getObject(static_cast<unsigned>(i));
		e.links.push_back({o->getValue<std::string>("url"), o->optValue<std::string>("title", "")});
	}
	e.version = rs.getUInt(8);
	e.createdAt = rs.getString(9);
	e.updatedAt = rs.getString(10);
	return e;
}

std::optional<Entity> select(const std::string& kind, const std::string& name, bool forUpdate)
{
	auto& st = Database::prepare("SELECT " + kColumns + " FROM knowledge k WHERE k.kind = ? AND k.name = ?" +
	                             (forUpdate ? " FOR UPDATE" : ""));
	st.setString(1, kind);
	st.setString(2, name);
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	if (!rs->next()) return std::nullopt;
	return readEntity(*rs);
}

/// The cursor of a list: its parts joined by '\n' (names and kinds hold no
/// '\n'). "k" lists by kind and name; "s" by score, then kind and name.
std::string cursorOf(const std::vector<std::string>& parts)
{
	return Poco::cat(std::string("\n"), parts.begin(), parts.end());
}

std::vector<std::string> splitCursor(const std::string& cursor)
{
	std::vector<std::string> parts;
	std::size_t start = 0;
	for (;;)
	{
		const auto end = cursor.find('\n', start);
		parts.push_back(cursor.substr(start, end == std::string::npos ? std::string::npos : end - start));
		if (end == std::string::npos) return parts;
		start = end + 1;
	}
}

bool isDecimal(const std::string& s)
{
	std::size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0, digits = 0, dots = 0;
	for (; i < s.size(); ++i)
	{
		if (s[i] == '.' && dots++ == 0) continue;
		if (s[i] < '0' || s[i] > '9') return false;
		++digits;
	}
	return digits > 0 && digits <= 20;
}

[[noreturn]] void badCursor()
{
	throw Http::BadRequest("query parameter 'after' is not a cursor from a Link header of this list");
}

/// A statement under construction: its SQL and its string parameters, in order.
struct Sql
{
	std::string text;
	std::vector<std::string> params;

	Sql& operator<<(const std::string& s)
	{
		text += s;
		return *this;
	}
	Sql& bind(const std::string& value)
	{
		params.push_back(value);
		return *this;
	}
};

void kindCondition(Sql& sql, const std::vector<std::string>& kinds, const char* column)
{
	if (kinds.empty()) return;
	sql << " AND " << column << " IN (";
	for (std::size_t i = 0; i < kinds.size(); ++i)
	{
		sql << (i ? ", ?" : "?");
		sql.bind(kinds[i]);
	}
	sql << ")";
}

/// The relevance of a row for search (see Db::FullTextQuery): full-text relevance
/// (dampened with LN so that a word repeated in a long text does not beat a
/// title) weighted title > name, tags, links and spec > content, plus
/// fixed bonuses for an exact name or title, an exact tag, and, for the
/// words the index cannot see, matches at a word start.
void scoreExpression(Sql& sql, const FullTextQuery& q)
{
	sql << "(0";
	if (Kinds::isName(q.text()))
	{
		sql << " + 100 * (k.name = ?)";
		sql.bind(q.text());
	}
	sql << " + 20 * (k.title = ?)";
	sql.bind(q.text());
	if (!q.indexed().empty())
	{
		const std::string any = q.anyTerms();
		sql << " + 8 * LN(1 + MATCH(k.title) AGAINST(? IN BOOLEAN MODE))"
		    << " + 4 * LN(1 + MATCH(k.search_text) AGAINST(? IN BOOLEAN MODE))"
		    << " + 2 * LN(1 + MATCH(k.title, k.content, k.search_text) AGAINST(? IN BOOLEAN MODE))";
		sql.bind(any).bind(any).bind(any);
	}
	for (const auto& word : q.words())
	{
		sql << " + 5 * (CONCAT(' ', k.tags, ' ') LIKE ?)";
		sql.bind("% " + FullTextQuery::likeEscape(word) + " %");
	}
	for (const auto& word : q.scanned())
	{
		const std::string start = "\\b" + word;
		const std::string inside = "%" + FullTextQuery::likeEscape(word) + "%";
		sql << " + 6 * (k.title REGEXP ?) + 2 * (k.title LIKE ?)"
		    << " + 3 * (k.search_text REGEXP ?) + 1 * (k.search_text LIKE ?)"
		    << " + 1 * (k.content REGEXP ?) + 0.25 * (k.content LIKE ?)";
		sql.bind(start).bind(inside).bind(start).bind(inside).bind(start).bind(inside);
	}
	if (q.words().size() > 1)
	{
		const std::string phrase = "%" + FullTextQuery::likeEscape(q.text()) + "%";
		sql << " + 6 * (k.title LIKE ?) + 1 * (k.content LIKE ?)";
		sql.bind(phrase).bind(phrase);
	}
	sql << ")";
}

std::vector<KnowledgeStore::Row> run(const Sql& sql, std::size_t limit, bool scored)
{
	return Database::run([&] {
		auto& st = Database::prepare(sql.text);
		int i = 1;
		for (const auto& param : sql.params) st.setString(i++, param);
		st.setUInt(i, static_cast<unsigned>(limit));
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		std::vector<KnowledgeStore::Row> rows;
		while (rs->next())
		{
			KnowledgeStore::Row row;
			row.entity = readEntity(*rs);
			row.cursor = scored ? cursorOf({"s", rs->getString(11), row.entity.kind, row.entity.name})
			                    : cursorOf({"k", row.entity.kind, row.entity.name});
			rows.push_back(std::move(row));
		}
		return rows;
	});
}

} // namespace

KnowledgeStore::PutResult KnowledgeStore::put(const Entity& entity)
{
	return Database::run([&] {
		// A concurrent create of the same entity makes the INSERT fail on the
		// unique key: the second attempt then finds the row and updates it.
		for (int attempt = 1;; ++attempt)
		{
			try
			{
				Db::Transaction tx;
				const auto current = select(entity.kind, entity.name, true);
				if (current && current->sameContent(entity))
				{
					tx.commit();
					return PutResult{*current, Change::Unchanged};
				}
				const std::string now = Time::toSql(Poco::Timestamp());
				auto& st = Database::prepare(
				    current
				        ? "UPDATE knowledge SET title = ?, content = ?, spec = ?, tags = ?, links = ?, "
				          "search_text = ?, version = version + 1, updated_at = ? WHERE kind = ? AND name = ?"
				        : "INSERT INTO knowledge (title, content, spec, tags, links, search_text, updated_at, kind, "
				          "name, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)");
				st.setString(1, entity.title);
				st.setString(2, entity.content);
				st.setString(3, entity.spec);
				st.setString(4, Poco::cat(std::string(" "), entity.tags.begin(), entity.tags.end()));
				st.setString(5, entity.linksJson());
				st.setString(6, entity.searchText());
				st.setString(7, now);
				st.setString(8, entity.kind);
				st.setString(9, entity.name);
				if (!current) st.setString(10, now);
				st.executeUpdate();
				auto stored = select(entity.kind, entity.name, false);
				tx.commit();
				return PutResult{*stored, current ? Change::Updated : Change::Created};
			}
			catch (const sql::SQLException& e)
			{
				if (e.getErrorCode() != Database::kDuplicateKey || attempt > 1) throw;
			}
		}
	});
}

std::optional<Entity> KnowledgeStore::find(const std::string& kind, const std::string& name)
{
	return Database::run([&] { return select(kind, name, false); });
}

bool KnowledgeStore::remove(const std::string& kind, const std::string& name)
{
	return Database::run([&] {
		auto& st = Database::prepare("DELETE FROM knowledge WHERE kind = ? AND name = ?");
		st.setString(1, kind);
		st.setString(2, name);
		return st.executeUpdate() > 0;
	});
}

std::vector<KnowledgeStore::Row> KnowledgeStore::list(const Filter& filter, std::size_t limit, const std::string& after)
{
	const auto cursor = after.empty() ? std::vector<std::string>() : splitCursor(after);
	if (!filter.search)
	{
		if (!cursor.empty() &&
		    (cursor.size() != 3 || cursor[0] != "k" || !Kinds::isKind(cursor[1]) || !Kinds::isName(cursor[2])))
			badCursor();
		Sql sql;
		sql << "SELECT " << kColumns << " FROM knowledge k WHERE TRUE";
		kindCondition(sql, filter.kinds, "k.kind");
		if (!cursor.empty())
		{
			sql << " AND (k.kind > ? OR (k.kind = ? AND k.name > ?))";
			sql.bind(cursor[1]).bind(cursor[1]).bind(cursor[2]);
		}
		sql << " ORDER BY k.kind, k.name LIMIT ?";
		return run(sql, limit, false);
	}

	if (!cursor.empty() && (cursor.size() != 4 || cursor[0] != "s" || !isDecimal(cursor[1]) ||
	                        !Kinds::isKind(cursor[2]) || !Kinds::isName(cursor[3])))
		badCursor();
	const FullTextQuery& q = *filter.search;
	Sql sql;
	sql << "SELECT * FROM (SELECT " << kColumns << ", CAST(";
	scoreExpression(sql, q);
	sql << " AS " << kScoreType << ") AS score FROM knowledge k WHERE TRUE";
	kindCondition(sql, filter.kinds, "k.kind");
	if (!q.indexed().empty())
	{
		sql << " AND MATCH(k.title, k.content, k.search_text) AGAINST(? IN BOOLEAN MODE)";
		sql.bind(q.requiredTerms());
	}
	for (const auto& word : q.scanned())
	{
		const std::string inside = "%" + FullTextQuery::likeEscape(word) + "%";
		sql << " AND (k.title LIKE ? OR k.search_text LIKE ? OR k.content LIKE ?)";
		sql.bind(inside).bind(inside).bind(inside);
	}
	sql << ") r";
	if (!cursor.empty())
	{
		sql << " WHERE r.score < CAST(? AS " << kScoreType << ") OR (r.score = CAST(? AS " << kScoreType
		    << ") AND (r.kind > ? OR (r.kind = ? AND r.name > ?)))";
		sql.bind(cursor[1]).bind(cursor[1]).bind(cursor[2]).bind(cursor[2]).bind(cursor[3]);
	}
	sql << " ORDER BY r.score DESC, r.kind, r.name LIMIT ?";
	return run(sql, limit, true);
}

std::pair<std::size_t, std::size_t> KnowledgeStore::tokenSizes()
{
	static std::atomic<std::size_t> minSize{0};
	static std::atomic<std::size_t> maxSize{0};
	if (minSize == 0)
	{
		Database::run([] {
			auto& st = Database::prepare("SELECT @@innodb_ft_min_token_size, @@innodb_ft_max_token_size");
			std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
			rs->next();
			maxSize = rs->getUInt(2);
			minSize = rs->getUInt(1);
			return true;
		});
	}
	return {minSize, maxSize};
}

} // namespace Knowledge
} // namespace Nexus
