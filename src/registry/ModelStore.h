#pragma once

#include "audit/AuditLog.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace Nexus {
namespace Registry {

/// One entry of the model registry (table models): what a routable model
/// ("openai/gpt-4o") of a family ("gpt-4o") can do and what it costs.
struct ModelEntry
{
	std::uint64_t id = 0;
	std::string modelId, slug, provider, name;
	std::optional<std::uint32_t> contextLength, maxOutputTokens;
	std::vector<std::string> inputModalities, outputModalities;
	std::string pricingJson = "{}", supportedParametersJson = "[]", metadataJson = "{}"; ///< as stored
	std::optional<std::string> deprecationDate;                                          ///< "YYYY-MM-DD"
	std::string createdAt, updatedAt;                                                    ///< SQL DATETIME(3) text, UTC
};

/// What a list of entries is narrowed to (both optional).
struct ModelFilter
{
	std::optional<std::string> provider; ///< exactly this provider
	std::optional<std::string> modality; ///< among the input or the output modalities
};

/// The SQL of the model registry. Every method runs inside Database::run, so
/// it throws Http::Unavailable when the database is unreachable. Each change
/// writes its audit row (target "model:<model id>") in its own transaction
/// (Audit::Change).
class ModelStore
{
public:
	/// Entries by id after afterId, at most limit, narrowed by filter.
	static std::vector<ModelEntry> list(const ModelFilter& filter, std::size_t limit, std::uint64_t afterId);

	/// Every entry of the family slug, ordered by model id (empty: no such family).
	static std::vector<ModelEntry> family(const std::string& slug);

	/// The entries with these model ids (those that exist), by model id. One
	/// query (one per 256 distinct ids beyond the first 256).
	static std::map<std::string, ModelEntry> findByModelIds(const std::vector<std::string>& modelIds);

	/// Stores entry (its id, createdAt and updatedAt are ignored) under its
	/// model id: a new row, or a whole replacement of the row with that model
	/// id that keeps its id and created_at. Returns the stored entry and
	/// whether it was created.
	static std::pair<ModelEntry, bool> upsert(const ModelEntry& entry, const Audit::Change& audit);

	/// Deletes the entry modelId of the family slug; false when there is none.
	static bool remove(const std::string& slug, const std::string& modelId, const Audit::Change& audit);
};

} // namespace Registry
} // namespace Nexus
