#include "vault/VaultStore.h"

#include "db/Database.h"
#include "db/Row.h"
#include "http/HttpError.h"
#include "metrics/Invalidation.h"
#include "util/Time.h"
#include "vault/SecretMac.h"

#include <Poco/StringTokenizer.h>

#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <sstream>

namespace Nexus {
namespace Vault {

using Db::Database;
namespace Row = Db::Row;

namespace {

// The columns of SecretMeta; allowed profiles folded into one '\n'-joined
// column (profile names never hold control characters).
const std::string kMetaColumns = "s.id, s.scope, s.name, s.version, s.created_at, s.updated_at, "
                                 "(SELECT GROUP_CONCAT(x.profile_name ORDER BY x.profile_name SEPARATOR '\\n') "
                                 "FROM secret_profiles x WHERE x.secret_id = s.id), s.mac";

const std::string kUnrestricted = "NOT EXISTS (SELECT 1 FROM secret_profiles u WHERE u.secret_id = s.id)";

// True when the agent (one parameter) is assigned a profile the secret allows.
const std::string kAllowsAgent =
    "EXISTS (SELECT 1 FROM secret_profiles sp JOIN profiles p ON p.name = sp.profile_name "
    "JOIN assignments asg ON asg.profile_id = p.id WHERE sp.secret_id = s.id AND asg.agent_id = ?)";

const std::string kAllowsProfile =
    "EXISTS (SELECT 1 FROM secret_profiles sp WHERE sp.secret_id = s.id AND sp.profile_name = ?)";

// kAllowsAgent for the agent joined as "a" (no parameter).
const std::string kAllowsJoinedAgent =
    "EXISTS (SELECT 1 FROM secret_profiles sp JOIN profiles p ON p.name = sp.profile_name "
    "JOIN assignments asg ON asg.profile_id = p.id WHERE sp.secret_id = s.id AND asg.agent_id = a.id)";

SecretMeta readMeta(sql::ResultSet& rs)
{
	SecretMeta m;
	m.id = rs.getUInt64(1);
	m.scope = rs.getString(2);
	m.name = rs.getString(3);
	m.version = rs.getUInt(4);
	m.createdAt = rs.getString(5);
	m.updatedAt = rs.getString(6);
	if (!rs.isNull(7))
	{
		Poco::StringTokenizer names(rs.getString(7), "\n", Poco::StringTokenizer::TOK_IGNORE_EMPTY);
		m.allowedProfiles.assign(names.begin(), names.end());
	}
	m.mac = Row::optionalString(rs, 8);
	return m;
}

void insertVersion(std::uint64_t id, std::uint32_t version, const Sealer& seal, const std::string& now)
{
	const auto [keyId, record] = seal(id, version);
	auto& st = Database::prepare(
	    "INSERT INTO secret_versions (secret_id, version, key_id, record, created_at) VALUES (?, ?, ?, ?, ?)");
	st.setUInt64(1, id);
	st.setUInt(2, version);
	st.setUInt(3, keyId);
	std::istringstream blob(record);
	st.setBlob(4, &blob);
	st.setString(5, now);
	st.executeUpdate();
}

void setProfiles(std::uint64_t id, const std::vector<std::string>& profiles)
{
	auto& clear = Database::prepare("DELETE FROM secret_profiles WHERE secret_id = ?");
	clear.setUInt64(1, id);
	clear.executeUpdate();
	auto& insert = Database::prepare("INSERT IGNORE INTO secret_profiles (secret_id, profile_name) VALUES (?, ?)");
	for (const auto& profile : profiles)
	{
		insert.setUInt64(1, id);
		insert.setString(2, profile);
		insert.executeUpdate();
	}
}

std::optional<SecretMeta> findMeta(std::uint64_t id)
{
	auto& st = Database::prepare("SELECT " + kMetaColumns + " FROM secrets s WHERE s.id = ?");
	st.setUInt64(1, id);
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	if (!rs->next()) return std::nullopt;
	return readMeta(*rs);
}

/// The meta columns, then the record (9) and the readable flag (10).
SecretRecord readRecord(sql::ResultSet& rs)
{
	SecretRecord r;
	r.meta = readMeta(rs);
	r.record = Row::blob(rs, 9);
	r.readable = rs.getBoolean(10);
	return r;
}

/// Writes meta's MAC (none without an integrity key) into its row; meta
/// then carries it.
void stamp(SecretMeta& meta, const Keyring& keyring)
{
	meta.mac = SecretMac::of(keyring, meta);
	auto& st = Database::prepare("UPDATE secrets SET mac = ? WHERE id = ?");
	if (meta.mac)
		st.setString(1, *meta.mac);
	else
		st.setNull(1, sql::DataType::CHAR);
	st.setUInt64(2, meta.id);
	st.executeUpdate();
}

/// The ids of the secrets whose row matches where (no parameters), in order.
std::vector<std::uint64_t> secretIds(const std::string& where)
{
	auto& st = Database::prepare("SELECT s.id FROM secrets s WHERE " + where + " ORDER BY s.id");
	std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
	std::vector<std::uint64_t> ids;
	while (rs->next()) ids.push_back(rs->getUInt64(1));
	return ids;
}

} // namespace

SecretMeta VaultStore::create(const std::string& scope, const std::string& name,
                              const std::vector<std::string>& allowedProfiles, const Sealer& seal,
                              const Keyring& keyring, const Audit::Change& audit)
{
	return Database::run([&] {
		Db::Transaction tx;
		const std::string now = Time::toSql(Poco::Timestamp());
		auto& st = Database::prepare(
		    "INSERT INTO secrets (scope, name, version, created_at, updated_at) VALUES (?, ?, 1, ?, ?)");
		st.setString(1, scope);
		st.setString(2, name);
		st.setString(3, now);
		st.setString(4, now);
		try
		{
			st.executeUpdate();
		}
		catch (const sql::SQLException& e)
		{
			if (e.getErrorCode() == Database::kDuplicateKey)
				throw Http::Conflict("a secret '" + name + "' already exists in scope '" + scope + "'");
			throw;
		}
		const std::uint64_t id = Database::lastInsertId();
		insertVersion(id, 1, seal, now);
		setProfiles(id, allowedProfiles);
		auto meta = findMeta(id);
		stamp(*meta, keyring);
		audit.write(auditTarget(id));
		tx.commit();
		return *meta;
	});
}

std::vector<SecretMeta> VaultStore::list(const std::optional<std::string>& scope, const Viewer& viewer,
                                         std::size_t limit, std::uint64_t afterId)
{
	std::string sql = "SELECT " + kMetaColumns + " FROM secrets s WHERE s.id > ?";
	if (scope) sql += " AND s.scope = ?";
	if (viewer.agentId) sql += " AND (" + kUnrestricted + " OR " + kAllowsAgent + ")";
	if (viewer.profile) sql += " AND (" + kUnrestricted + " OR " + kAllowsProfile + ")";
	sql += " ORDER BY s.id LIMIT ?";
	return Database::run([&] {
		auto& st = Database::prepare(sql);
		int i = 1;
		st.setUInt64(i++, afterId);
		if (scope) st.setString(i++, *scope);
		if (viewer.agentId) st.setUInt64(i++, *viewer.agentId);
		if (viewer.profile) st.setString(i++, *viewer.profile);
		st.setUInt(i, static_cast<unsigned>(limit));
		return Row::readAll<SecretMeta>(st, readMeta);
	});
}

std::optional<SecretRecord> VaultStore::read(std::uint64_t id, const std::optional<std::uint64_t>& agentId)
{
	const std::string readable = agentId ? "(" + kUnrestricted + " OR " + kAllowsAgent + ")" : "TRUE";
	return Database::run([&]() -> std::optional<SecretRecord> {
		auto& st =
		    Database::prepare("SELECT " + kMetaColumns + ", v.record, " + readable +
		                      " FROM secrets s JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.version"
		                      " WHERE s.id = ?");
		int i = 1;
		if (agentId) st.setUInt64(i++, *agentId);
		st.setUInt64(i, id);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (!rs->next()) return std::nullopt;
		return readRecord(*rs);
	});
}

std::optional<std::pair<Auth::AgentGrant, SecretRecord>> VaultStore::readWithToken(std::uint64_t id,
                                                                                   const std::string& tokenHash)
{
	using Found = std::pair<Auth::AgentGrant, SecretRecord>;
	return Database::run([&]() -> std::optional<Found> {
		auto& st = Database::prepare(
		    "SELECT " + kMetaColumns + ", v.record, (" + kUnrestricted + " OR " + kAllowsJoinedAgent +
		    "), a.id, a.slug, t.expires_at FROM agent_tokens t JOIN agents a ON a.id = t.agent_id "
		    "JOIN secrets s ON s.id = ? JOIN secret_versions v ON v.secret_id = s.id AND v.version = s.version "
		    "WHERE t.token_hash = ? AND (t.expires_at IS NULL OR t.expires_at > ?)");
		st.setUInt64(1, id);
		st.setString(2, tokenHash);
		st.setString(3, Time::toSql(Poco::Timestamp()));
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		if (!rs->next()) return std::nullopt;
		Auth::AgentGrant grant{Auth::Principal::agent(rs->getUInt64(11), rs->getString(12)), std::nullopt};
		if (const auto expires = Row::optionalString(*rs, 13)) grant.expiresAt = Time::fromSql(*expires);
		return Found(std::move(grant), readRecord(*rs));
	});
}

std::optional<SecretMeta> VaultStore::update(std::uint64_t id, const Sealer* seal,
                                             const std::optional<std::vector<std::string>>& allowedProfiles,
                                             int maxVersions, const Keyring& keyring, const Audit::Change& audit)
{
	auto updated = Database::run([&]() -> std::optional<SecretMeta> {
		Db::Transaction tx;
		// The highest version kept, too: a pointer moved back must not make
		// the next version collide with a kept one.
		auto& lock = Database::prepare(
		    "SELECT s.version, (SELECT MAX(v.version) FROM secret_versions v WHERE v.secret_id = s.id) "
		    "FROM secrets s WHERE s.id = ? FOR UPDATE");
		lock.setUInt64(1, id);
		std::unique_ptr<sql::ResultSet> rs(lock.executeQuery());
		if (!rs->next()) return std::nullopt;
		const std::uint32_t current = std::max(rs->getUInt(1), rs->isNull(2) ? 0U : rs->getUInt(2));
		if (!(seal && allowedProfiles))
		{
			const auto before = findMeta(id);
			if (before && !SecretMac::holds(keyring, *before))
				throw Http::Conflict("secret " + std::to_string(id) +
				                     " fails its integrity check (its current version or its allowed profiles "
				                     "were changed outside Nexus); give both 'value' and 'allowed_profiles' to "
				                     "replace it");
		}
		const std::string now = Time::toSql(Poco::Timestamp());
		if (seal)
		{
			const std::uint32_t next = current + 1;
			insertVersion(id, next, *seal, now);
			auto& bump = Database::prepare("UPDATE secrets SET version = ? WHERE id = ?");
			bump.setUInt(1, next);
			bump.setUInt64(2, id);
			bump.executeUpdate();
			// Keep the newest maxVersions; older ciphertexts are deleted.
			auto& prune = Database::prepare("DELETE FROM secret_versions WHERE secret_id = ? AND version <= ?");
			prune.setUInt64(1, id);
			prune.setInt64(2, static_cast<std::int64_t>(next) - maxVersions);
			prune.executeUpdate();
		}
		if (allowedProfiles) setProfiles(id, *allowedProfiles);
		auto& touch = Database::prepare("UPDATE secrets SET updated_at = ? WHERE id = ?");
		touch.setString(1, now);
		touch.setUInt64(2, id);
		touch.executeUpdate();
		auto meta = findMeta(id);
		stamp(*meta, keyring);
		audit.write(auditTarget(id));
		tx.commit();
		return meta;
	});
	if (updated) Invalidation::bump(Invalidation::Topic::Secrets);
	return updated;
}

void VaultStore::renameProfile(const std::string& from, const std::string& to, const KeyringSource& keyring)
{
	auto& affected = Database::prepare("SELECT " + kMetaColumns +
	                                   " FROM secrets s JOIN secret_profiles p ON p.secret_id = s.id "
	                                   "WHERE p.profile_name = ? ORDER BY s.id FOR UPDATE");
	affected.setString(1, from);
	std::vector<SecretMeta> secrets = Row::readAll<SecretMeta>(affected, readMeta);
	if (secrets.empty()) return;
	const auto ring = keyring();
	auto& rename = Database::prepare("UPDATE secret_profiles SET profile_name = ? WHERE profile_name = ?");
	rename.setString(1, to);
	rename.setString(2, from);
	rename.executeUpdate();
	for (auto& meta : secrets)
	{
		if (!SecretMac::holds(*ring, meta)) continue; // not blessed by a rename
		auto renamed = findMeta(meta.id);
		if (renamed) stamp(*renamed, *ring);
	}
	Invalidation::bump(Invalidation::Topic::Secrets);
}

std::vector<std::uint64_t> VaultStore::stampUnauthenticated(const Keyring& keyring)
{
	if (!keyring.hasMac()) return {};
	return Database::run([&] {
		std::vector<std::uint64_t> stamped;
		for (const std::uint64_t id : secretIds("s.mac IS NULL"))
		{
			Db::Transaction tx;
			auto& lock = Database::prepare("SELECT mac FROM secrets WHERE id = ? FOR UPDATE");
			lock.setUInt64(1, id);
			std::unique_ptr<sql::ResultSet> rs(lock.executeQuery());
			if (!rs->next() || !rs->isNull(1)) continue; // deleted, or stamped by a worker meanwhile
			auto meta = findMeta(id);
			stamp(*meta, keyring);
			tx.commit();
			stamped.push_back(id);
		}
		if (!stamped.empty()) Invalidation::bump(Invalidation::Topic::Secrets);
		return stamped;
	});
}

std::vector<std::uint64_t> VaultStore::failingIntegrity(const Keyring& keyring)
{
	if (!keyring.hasMac()) return {};
	// Page by page, each its own Database::run (list's): a retry repeats one page, not the walk.
	std::vector<std::uint64_t> failing;
	for (std::uint64_t after = 0;;)
	{
		const auto page = list(std::nullopt, Viewer(), 1000, after);
		for (const auto& meta : page)
			if (!SecretMac::holds(keyring, meta)) failing.push_back(meta.id);
		if (page.size() < 1000) return failing;
		after = page.back().id;
	}
}

bool VaultStore::remove(std::uint64_t id, const Audit::Change& audit)
{
	const bool removed = Database::run([&] {
		Db::Transaction tx;
		// secret_versions and secret_profiles go with it (ON DELETE CASCADE).
		auto& st = Database::prepare("DELETE FROM secrets WHERE id = ?");
		st.setUInt64(1, id);
		if (st.executeUpdate() == 0) return false;
		audit.write(auditTarget(id));
		tx.commit();
		return true;
	});
	if (removed) Invalidation::bump(Invalidation::Topic::Secrets);
	return removed;
}

std::vector<VaultStore::Version> VaultStore::versionsNotUnder(std::uint32_t keyId, unsigned char format,
                                                              std::uint64_t afterSecretId, std::uint32_t afterVersion,
                                                              std::size_t limit)
{
	return Database::run([&] {
		// ASCII(record): the record's first byte, its format.
		auto& st = Database::prepare(
		    "SELECT v.secret_id, v.version, s.scope, s.name, v.key_id, v.record FROM secret_versions v "
		    "JOIN secrets s ON s.id = v.secret_id WHERE (v.key_id <> ? OR ASCII(v.record) <> ?) "
		    "AND (v.secret_id, v.version) > (?, ?) ORDER BY v.secret_id, v.version LIMIT ?");
		st.setUInt(1, keyId);
		st.setUInt(2, format);
		st.setUInt64(3, afterSecretId);
		st.setUInt(4, afterVersion);
		st.setUInt(5, static_cast<unsigned>(limit));
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		std::vector<Version> versions;
		while (rs->next())
			versions.push_back(Version{rs->getUInt64(1), rs->getUInt(2), rs->getString(3), rs->getString(4),
			                           rs->getUInt(5), Row::blob(*rs, 6)});
		return versions;
	});
}

bool VaultStore::replaceRecord(const Version& version, std::uint32_t newKeyId, const std::string& newRecord)
{
	const bool replaced = Database::run([&] {
		auto& st = Database::prepare("UPDATE secret_versions SET key_id = ?, record = ? "
		                             "WHERE secret_id = ? AND version = ? AND record = ?");
		std::istringstream fresh(newRecord);
		std::istringstream expected(version.record);
		st.setUInt(1, newKeyId);
		st.setBlob(2, &fresh);
		st.setUInt64(3, version.secretId);
		st.setUInt(4, version.version);
		st.setBlob(5, &expected);
		return st.executeUpdate() > 0;
	});
	if (replaced) Invalidation::bump(Invalidation::Topic::Secrets);
	return replaced;
}

std::map<std::pair<std::uint32_t, unsigned>, std::uint64_t> VaultStore::countsByKey()
{
	return Database::run([] {
		auto& st = Database::prepare(
		    "SELECT key_id, ASCII(record), COUNT(*) FROM secret_versions GROUP BY key_id, ASCII(record)");
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		std::map<std::pair<std::uint32_t, unsigned>, std::uint64_t> counts;
		while (rs->next()) counts[{rs->getUInt(1), rs->getUInt(2)}] = rs->getUInt64(3);
		return counts;
	});
}

std::uint64_t VaultStore::countNotUnder(std::uint32_t keyId, unsigned char format)
{
	return Database::run([&] {
		auto& st = Database::prepare("SELECT COUNT(*) FROM secret_versions WHERE key_id <> ? OR ASCII(record) <> ?");
		st.setUInt(1, keyId);
		st.setUInt(2, format);
		std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
		rs->next();
		return rs->getUInt64(1);
	});
}

} // namespace Vault
} // namespace Nexus
