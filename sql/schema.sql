-- The whole current Nexus schema. A new database gets exactly this (through
-- `nexusctl migrate`); sql/migrations/NNNN-*.sql bring an older database to
-- the same state and each one records its number in schema_version.
-- Times are UTC, DATETIME(3), written by the application.

CREATE TABLE schema_version (
  version    INT UNSIGNED NOT NULL PRIMARY KEY,
  applied_at DATETIME(3)  NOT NULL
) ENGINE=InnoDB;

-- Agents: who is there. The slug is the agent's public, stable name.
CREATE TABLE agents (
  id                BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  slug              VARCHAR(63) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name              VARCHAR(200) NOT NULL,
  scope             VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at        DATETIME(3) NOT NULL,
  last_heartbeat_at DATETIME(3) NULL,
  heartbeat_status  VARCHAR(64) NULL,
  heartbeat_version VARCHAR(64) NULL,
  heartbeat_meta    TEXT NULL COMMENT 'JSON object sent with the last heartbeat',
  UNIQUE KEY agents_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Agent bearer tokens, stored only as SHA-256 hex. expires_at is NULL for a
-- token without an end, and set for one issued with a lifetime (?ttl=) or
-- retired by a rotation with a grace period. last_used_at is written in
-- batches (sql/migrations/0009-token-last-used.sql).
CREATE TABLE agent_tokens (
  token_hash   CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  agent_id     BIGINT UNSIGNED NOT NULL,
  created_at   DATETIME(3) NOT NULL,
  expires_at   DATETIME(3) NULL,
  last_used_at DATETIME(3) NULL,
  KEY agent_tokens_agent (agent_id),
  CONSTRAINT agent_tokens_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Inference profiles: model routing with ordered fallbacks. Names are
-- case-sensitive and may hold spaces and '&' ("Dev Fast & Cheap"); version
-- goes up with every change. See sql/migrations/0003-profiles-registry.sql.
CREATE TABLE profiles (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(100) NOT NULL,
  model       VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  fallbacks   TEXT NOT NULL DEFAULT '[]' COMMENT 'JSON array: model strings or {model, on}',
  vision      TINYINT(1) NOT NULL DEFAULT 0,
  gateway     VARCHAR(500) NULL,
  description TEXT NULL,
  parameters  TEXT NOT NULL DEFAULT '{}' COMMENT 'JSON object passed through to the model',
  version     INT UNSIGNED NOT NULL DEFAULT 1,
  created_at  DATETIME(3) NOT NULL,
  updated_at  DATETIME(3) NOT NULL,
  UNIQUE KEY profiles_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Which profile an agent runs on (at most one).
CREATE TABLE assignments (
  agent_id    BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  profile_id  BIGINT UNSIGNED NOT NULL,
  assigned_at DATETIME(3) NOT NULL,
  KEY assignments_profile (profile_id),
  CONSTRAINT assignments_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE,
  CONSTRAINT assignments_profile_fk FOREIGN KEY (profile_id) REFERENCES profiles (id)
) ENGINE=InnoDB;

-- A secret's identity and access list; its values live in secret_versions.
CREATE TABLE secrets (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  scope      VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name       VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  version    INT UNSIGNED NOT NULL COMMENT 'the current version',
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  mac        CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL COMMENT 'keyed MAC of version and allowed profiles (src/vault/SecretMac.h)',
  UNIQUE KEY secrets_scope_name (scope, name)
) ENGINE=InnoDB;

-- Every kept version of a secret's value as an envelope record (see
-- src/vault/Envelope.h): never the value in clear. key_id names the keyring
-- key that wraps the record's data key, so rewrap finds what to re-wrap.
CREATE TABLE secret_versions (
  secret_id  BIGINT UNSIGNED NOT NULL,
  version    INT UNSIGNED NOT NULL,
  key_id     INT UNSIGNED NOT NULL,
  record     MEDIUMBLOB NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (secret_id, version),
  KEY secret_versions_key (key_id),
  CONSTRAINT secret_versions_secret_fk FOREIGN KEY (secret_id) REFERENCES secrets (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- The profiles allowed to read a secret; none means every agent.
CREATE TABLE secret_profiles (
  secret_id    BIGINT UNSIGNED NOT NULL,
  profile_name VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  PRIMARY KEY (secret_id, profile_name),
  KEY secret_profiles_name (profile_name),
  CONSTRAINT secret_profiles_secret_fk FOREIGN KEY (secret_id) REFERENCES secrets (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- The model registry (see sql/migrations/0003-profiles-registry.sql).
CREATE TABLE models (
  id                   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  model_id             VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  slug                 VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  provider             VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name                 VARCHAR(200) NOT NULL,
  context_length       INT UNSIGNED NULL,
  max_output_tokens    INT UNSIGNED NULL,
  input_modalities     VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  output_modalities    VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  pricing              TEXT NOT NULL DEFAULT '{}' COMMENT 'JSON object: prompt, completion, cache_read, cache_write',
  supported_parameters TEXT NOT NULL DEFAULT '[]' COMMENT 'JSON array of parameter names',
  deprecation_date     DATE NULL,
  metadata             TEXT NOT NULL DEFAULT '{}' COMMENT 'JSON object, free',
  created_at           DATETIME(3) NOT NULL,
  updated_at           DATETIME(3) NOT NULL,
  UNIQUE KEY models_model_id (model_id),
  KEY models_slug (slug, id),
  KEY models_provider (provider, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The knowledge base: what the studio knows about its servers, domains,
-- infrastructure, projects and agents (src/knowledge). (kind, name) is an
-- entity's identity; spec and links are JSON; tags are space-separated
-- lower-case words. search_text is derived from the name, tags, links and
-- spec values, so that one FULLTEXT index finds a word wherever it is;
-- the title and search_text indexes let titles and names rank first.
CREATE TABLE knowledge (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind        VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name        VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  title       VARCHAR(200) NOT NULL,
  content     MEDIUMTEXT NOT NULL COMMENT 'markdown',
  spec        MEDIUMTEXT NOT NULL COMMENT 'JSON object',
  tags        TEXT NOT NULL COMMENT 'space-separated tags',
  links       MEDIUMTEXT NOT NULL COMMENT 'JSON array of {url, title}',
  search_text MEDIUMTEXT NOT NULL COMMENT 'name, tags, links and spec values, for search',
  version     INT UNSIGNED NOT NULL DEFAULT 1,
  created_at  DATETIME(3) NOT NULL,
  updated_at  DATETIME(3) NOT NULL,
  UNIQUE KEY knowledge_kind_name (kind, name),
  FULLTEXT KEY knowledge_title_ft (title),
  FULLTEXT KEY knowledge_meta_ft (search_text),
  FULLTEXT KEY knowledge_all_ft (title, content, search_text)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Agent memories: one row per entry collected, content stored byte for
-- byte (utf8mb4; the API refuses NUL). The FULLTEXT index serves
-- /api/memories/search; words it cannot hold (short and stop words) are
-- found by a REGEXP scan (src/db/FullTextQuery.h splits the query;
-- src/memories/MemoryStore.cpp runs it).
CREATE TABLE memory_entries (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  agent_id   BIGINT UNSIGNED NOT NULL,
  day        DATE NOT NULL,
  content    MEDIUMTEXT NOT NULL,
  bytes      INT UNSIGNED NOT NULL,
  created_at DATETIME(3) NOT NULL,
  KEY memory_entries_day (agent_id, day, id),
  FULLTEXT KEY memory_entries_content (content),
  CONSTRAINT memory_entries_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per memory file (agent and day): its entry count, bytes and last
-- change, updated in the same transaction as each entry, so listing the
-- files never reads the entries. Listed newest day first, for one agent
-- along the primary key, for all along memory_days_day.
CREATE TABLE memory_days (
  agent_id   BIGINT UNSIGNED NOT NULL,
  day        DATE NOT NULL,
  entries    INT UNSIGNED NOT NULL,
  bytes      BIGINT UNSIGNED NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (agent_id, day),
  KEY memory_days_day (day, agent_id),
  CONSTRAINT memory_days_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Who did what: appended by src/audit, never updated except by the sealer,
-- which sets seq, prev_hash and hash (the hash chain) a few seconds later.
CREATE TABLE audit_log (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at         DATETIME(3) NOT NULL,
  request_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  principal  VARCHAR(128) NOT NULL,
  action     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  target     VARCHAR(255) NOT NULL,
  outcome    ENUM('ok', 'denied', 'error') NOT NULL,
  client     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  row_mac    CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL COMMENT 'keyed MAC of the content (src/audit/Chain.h)',
  seq        BIGINT UNSIGNED NULL COMMENT 'position in the hash chain; NULL until sealed',
  prev_hash  CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  hash       CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  seal_epoch BIGINT UNSIGNED NULL COMMENT 'the audit_seal lease epoch of the seal (fencing token)',
  write_key  CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL COMMENT 'random per row, so a retried write cannot store it twice',
  UNIQUE KEY audit_log_seq (seq),
  UNIQUE KEY audit_log_write_key (write_key),
  KEY audit_log_at (at),
  KEY audit_log_principal (principal, id),
  KEY audit_log_action (action, id),
  KEY audit_log_target (target, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Browser sign-in (src/sso/): one row per sign-in under way, written by
-- GET /api/auth/login and used once by the callback, so several tabs can
-- sign in at once. Only the SHA-256 of the state parameter is kept; the
-- nonce and the PKCE verifier are needed in clear by the callback and live
-- as long as the row (10 minutes, then purged).
CREATE TABLE sso_login_states (
  state_hash    CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  nonce         VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  code_verifier VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  return_to     VARCHAR(2048) NOT NULL,
  created_at    DATETIME(3) NOT NULL,
  expires_at    DATETIME(3) NOT NULL,
  KEY sso_login_states_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per signed-in browser. Its cookie holds 256 random bits; only
-- their SHA-256 is stored. The provider's ID token (the logout's
-- id_token_hint) is kept sealed with the vault keyring, never in clear.
-- A session ends at expires_at (the absolute lifetime) or when it has not
-- been seen for the idle timeout.
CREATE TABLE sso_sessions (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash    CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  user_id       VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name          VARCHAR(255) NOT NULL,
  email         VARCHAR(255) NOT NULL,
  image         VARCHAR(2048) NOT NULL,
  role          VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  id_token      BLOB NULL,
  created_at    DATETIME(3) NOT NULL,
  last_seen_at  DATETIME(3) NOT NULL,
  expires_at    DATETIME(3) NOT NULL,
  UNIQUE KEY sso_sessions_token (token_hash),
  KEY sso_sessions_expiry (expires_at),
  KEY sso_sessions_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per SSO user (the provider's sub), written at every sign-in, so a
-- sign-in with another role than last time is audited as sso.role_change
-- even after that user's old sessions are purged.
CREATE TABLE sso_users (
  user_id         VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  role            VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  first_seen_at   DATETIME(3) NOT NULL,
  last_sign_in_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Idempotency-Key requests (src/idempotency/Idempotency.h): one row per
-- principal and key, inserted first in the transaction of the write the key
-- guards and given its answer in that same transaction, so a committed write
-- always has its row and a row always has its write. A concurrent request
-- with the same key waits on the row's lock and then finds the answer.
-- principal_hash: SHA-256 (lower-case hex) of the principal's label (admin,
-- agent:<slug>, user:<id>, anonymous). answer: the vault envelope
-- (src/vault/Envelope.h) of the request's fingerprint and the first answer
-- (status, headers, body), bound to the principal and the key; an answer
-- carrying a new agent token is therefore never at rest in clear. NULL
-- only inside the writing transaction. Rows past expires_at
-- (http.idempotency_retention_s after created_at) count as absent and are
-- purged in bounded batches by the requests that carry a key.
CREATE TABLE idempotency_keys (
  principal_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  idem_key       VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  answer         MEDIUMBLOB NULL,
  created_at     DATETIME(3) NOT NULL,
  expires_at     DATETIME(3) NOT NULL,
  PRIMARY KEY (principal_hash, idem_key),
  KEY idempotency_keys_expiry (expires_at)
) ENGINE=InnoDB;


-- Replicated leases (src/db/Lease.h), not named locks: GET_LOCK is per
-- server, so on a Galera cluster two hosts could both hold it. IF NOT
-- EXISTS: the Migrator creates the table before it takes the 'migrate'
-- lease. epoch grows when the owner changes: the fencing token each seal
-- carries (audit_log.seal_epoch).
CREATE TABLE IF NOT EXISTS leases (
  name       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  owner      VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  epoch      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  expires_at DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:01'
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

INSERT IGNORE INTO leases (name) VALUES ('audit_seal'), ('migrate');

INSERT INTO schema_version (version, applied_at) VALUES (14, UTC_TIMESTAMP(3));
