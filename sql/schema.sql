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
-- current token and set when a rotation with a grace period retires it.
CREATE TABLE agent_tokens (
  token_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  agent_id   BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(3) NOT NULL,
  expires_at DATETIME(3) NULL,
  KEY agent_tokens_agent (agent_id),
  CONSTRAINT agent_tokens_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE
) ENGINE=InnoDB;

INSERT INTO schema_version (version, applied_at) VALUES (1, UTC_TIMESTAMP(3));
