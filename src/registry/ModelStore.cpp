#include "registry/ModelStore.h"

#include "db/Database.h"
#include "db/Row.h"
#include "metrics/Invalidation.h"
#include "util/Time.h"

#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <set>

namespace Nexus {
namespace Registry {

using Db::Database;
namespace Row = Db::Row;

namespace {

/// The audit log's name for a model.
std::string auditTarget(const std::string& modelId)
{
	return "model:" + modelId;
}

const std::string kColumns = "id, model_id, slug, provider, name, context_length, max_output_tokens, "
                             "input_modalities, output_modalities, pricing, supported_parameters, "
                             "deprecation_date, metadata, created_at, updated_at";

/// findByModelIds asks for at most this many ids per query.
const std::size_t kMaxIdsPerQuery = 256;

std::vector<std::string> splitWords(const std::string& list)
{
	Poco::StringTokenizer words(list, ",", Poco::StringTokenizer::TOK_IGNORE_EMPTY | Poco::StringTokenizer::TOK_TRIM);
	return std::vector<std::string>(words.begin(), words.end());
}

std::string joinWords(const std::vector<std::string>& words)
{
	return Poco::cat(std::string(","), words.begin(), words.end());
}

/// A row of kColumns.
ModelEntry readEntry(sql::ResultSet& rs)
{
	ModelEntry m;
	m.id = rs.getUInt64(1);
	m.modelId = rs.getString(2);
	m.slug = rs.getString(3);
	m.provider = rs.getString(4);
	m.name = rs.getString(5);
	m.contextLength = Row::optionalUInt(rs, 6);
	m.maxOutputTokens = Row::optionalUInt(rs, 7);
	m.inputModalities = splitWords(rs.getString(8));
	m.outputModalities = splitWords(rs.getString(9));
	m.pricingJson = rs.getString(10);
	m.supportedParametersJson = rs.getString(11);
	m.deprecationDate = Row::optionalString(rs, 12);
	m.metadataJson = rs.getString(13);
	m.createdAt = rs.getString(14);
	m.updatedAt = rs.getString(15);
	return m;
}

std::vector<ModelEntry> readEntries(sql::PreparedStatement& st)
{
	return Row::readAll<ModelEntry>(st, readEntry);
}

/// Binds the columns an upsert writes, model_id to metadata, from index 1 (12 parameters).
void bindContent(sql::PreparedStatement& st, const ModelEntry& m)
{
	st.setString(1, m.modelId);
	st.setString(2, m.slug);
	st.setString(3, m.provider);
	st.setString(4, m.name);
	Row::setOptionalUInt(st, 5, m.contextLength);
	Row::setOptionalUInt(st, 6, m.maxOutputTokens);
	st.setString(7, joinWords(m.inputModalities));
	st.setString(8, joinWords(m.outputModalities));
	st.setString(9, m.pricingJson);
	st.setString(10, m.supportedParametersJson);
	Row::setOptionalString(st, 11, m.deprecationDate);
	st.setString(12, m.metadataJson);
}

std::optional<ModelEntry> findById(std::uint64_t id)
{
	auto& st = Database::prepare("SELECT " + kColumns + " FROM models WHERE id = ?");
	st.setUInt64(1, id);
	auto rows = readEntries(st);
	if (rows.empty()) return std::nullopt;
	return rows.front();
}

/// The id of the row holding modelId, or nullopt. With forUpdate the row is
/// locked; callers lock only a row a plain read has just found, so the lock
/// is a record lock and never the gap lock a missing row would take.
std::optional<std::uint64_t> idByModelId(const std::string& modelId, bool forUpdate)
{
	auto& st = Database::prepare(forUpdate ? "SELECT id FROM models WHERE model_id = ? FOR UPDATE"
	                                       : "SELECT id FROM models WHERE model_id = ?");
	st.setString(1, modelId);
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	if (!rs->next()) return std::nullopt;
	return rs->getUInt64(1);
}

/// Inserts m; nullopt when a concurrent writer inserted its model id first.
std::optional<std::uint64_t> insert(const ModelEntry& m, const std::string& now)
{
	auto& st = Database::prepare("INSERT INTO models (model_id, slug, provider, name, context_length, "
	                             "max_output_tokens, input_modalities, output_modalities, pricing, "
	                             "supported_parameters, deprecation_date, metadata, created_at, updated_at) "
	                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	bindContent(st, m);
	st.setString(13, now);
	st.setString(14, now);
	try
	{
		st.executeUpdate();
	}
	catch (const sql::SQLException& e)
	{
		if (e.getErrorCode() == Database::kDuplicateKey) return std::nullopt;
		throw;
	}
	return Database::lastInsertId();
}

void replace(std::uint64_t id, const ModelEntry& m, const std::string& now)
{
	auto& st = Database::prepare("UPDATE models SET model_id = ?, slug = ?, provider = ?, name = ?, "
	                             "context_length = ?, max_output_tokens = ?, input_modalities = ?, "
	                             "output_modalities = ?, pricing = ?, supported_parameters = ?, "
	                             "deprecation_date = ?, metadata = ?, updated_at = ? WHERE id = ?");
	bindContent(st, m);
	st.setString(13, now);
	st.setUInt64(14, id);
	st.executeUpdate();
}

/// Up to kMaxIdsPerQuery distinct ids in one query. The IN list is padded
/// (repeating the last id) to a power of two, so the statement cache holds
/// at most nine shapes of this query.
void findChunk(std::vector<std::string>::const_iterator begin, std::vector<std::string>::const_iterator end,
               std::map<std::string, ModelEntry>& found)
{
	const std::size_t n = static_cast<std::size_t>(end - begin);
	std::size_t slots = 1;
	while (slots < n) slots *= 2;
	std::string sql = "SELECT " + kColumns + " FROM models WHERE model_id IN (?";
	for (std::size_t i = 1; i < slots; ++i) sql += ", ?";
	sql += ")";
	auto& st = Database::prepare(sql);
	for (std::size_t i = 0; i < slots; ++i)
		st.setString(static_cast<unsigned>(i + 1), *(begin + static_cast<std::ptrdiff_t>(std::min(i, n - 1))));
	for (auto& entry : readEntries(st))
	{
		std::string key = entry.modelId;
		found.emplace(std::move(key), std::move(entry));
	}
}

} // namespace

std::vector<ModelEntry> ModelStore::list(const ModelFilter& filter, std::size_t limit, std::uint64_t afterId)
{
	std::string sql = "SELECT " + kColumns + " FROM models WHERE id > ?";
	if (filter.provider) sql += " AND provider = ?";
	if (filter.modality) sql += " AND (FIND_IN_SET(?, input_modalities) OR FIND_IN_SET(?, output_modalities))";
	sql += " ORDER BY id LIMIT ?";
	return Database::run([&] {
		auto& st = Database::prepare(sql);
		int i = 1;
		st.setUInt64(i++, afterId);
		if (filter.provider) st.setString(i++, *filter.provider);
		if (filter.modality)
		{
			st.setString(i++, *filter.modality);
			st.setString(i++, *filter.modality);
		}
		st.setUInt(i, static_cast<unsigned>(limit));
		return readEntries(st);
	});
}

std::vector<ModelEntry> ModelStore::family(const std::string& slug)
{
	return Database::run([&] {
		auto& st = Database::prepare("SELECT " + kColumns + " FROM models WHERE slug = ? ORDER BY model_id");
		st.setString(1, slug);
		return readEntries(st);
	});
}

std::map<std::string, ModelEntry> ModelStore::findByModelIds(const std::vector<std::string>& modelIds)
{
	const std::set<std::string> distinct(modelIds.begin(), modelIds.end());
	const std::vector<std::string> ids(distinct.begin(), distinct.end());
	return Database::run([&] {
		std::map<std::string, ModelEntry> found;
		for (std::size_t start = 0; start < ids.size(); start += kMaxIdsPerQuery)
			findChunk(ids.begin() + static_cast<std::ptrdiff_t>(start),
			          ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + kMaxIdsPerQuery)), found);
		return found;
	});
}

std::pair<ModelEntry, bool> ModelStore::upsert(const ModelEntry& entry, const Audit::Change& audit)
{
	auto result = Database::run([&] {
		const std::string now = Time::toSql(Poco::Timestamp());
		// Writers of one new model id must not take gap locks: a locking read
		// of a missing row does, and the inserts that follow deadlock each
		// other. So a plain read decides; the row it finds is then locked (a
		// record lock). An insert that loses to a concurrent one waits for the
		// winner's commit and fails with a duplicate key: its transaction is
		// rolled back at once (dropping the shared lock that failure leaves)
		// and the next round finds the winner's row and replaces it.
		// Inside another transaction (an Idempotency-Key write, which this
		// one joins) a lost round can neither roll back alone nor see the
		// winner's row through the outer snapshot: it ends the whole outer
		// transaction as a deadlock would, and the outer Database::run runs
		// it all again, from a fresh snapshot that shows the winner.
		const bool joined = Db::Transaction::open();
		const auto lost = [&] {
			if (joined)
				throw sql::SQLException("model " + entry.modelId + ": lost to a concurrent writer", "40001", 1213);
		};
		for (int round = 1; round <= 3; ++round)
		{
			Db::Transaction tx;
			if (idByModelId(entry.modelId, false))
			{
				const auto id = idByModelId(entry.modelId, true);
				if (!id)
				{
					lost();
					continue; // deleted meanwhile: insert it again
				}
				replace(*id, entry, now);
				auto stored = findById(*id);
				audit.write(auditTarget(entry.modelId));
				tx.commit();
				return std::make_pair(*stored, false);
			}
			if (const auto id = insert(entry, now))
			{
				auto stored = findById(*id);
				audit.write(auditTarget(entry.modelId));
				tx.commit();
				return std::make_pair(*stored, true);
			}
			lost();
		}
		throw std::runtime_error("model " + entry.modelId + ": insert and replace kept losing to other writers");
	});
	Invalidation::bump(Invalidation::Topic::Registry);
	return result;
}

bool ModelStore::remove(const std::string& slug, const std::string& modelId, const Audit::Change& audit)
{
	auto result = Database::run([&] {
		Db::Transaction tx;
		auto& st = Database::prepare("DELETE FROM models WHERE model_id = ? AND slug = ?");
		st.setString(1, modelId);
		st.setString(2, slug);
		if (st.executeUpdate() == 0) return false;
		audit.write(auditTarget(modelId));
		tx.commit();
		return true;
	});
	Invalidation::bump(Invalidation::Topic::Registry);
	return result;
}

} // namespace Registry
} // namespace Nexus
