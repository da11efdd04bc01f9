-- 0013: replicated leases instead of named locks (GET_LOCK), which are per
-- server and so, on a Galera cluster, let two hosts on two nodes both hold
-- "the" lock (README "Scaling out").

-- One row per lease. A holder takes or renews it with one UPDATE that
-- matches only while the lease is free (expired) or already its own; epoch
-- grows by one each time the owner changes and is the fencing token: the
-- audit sealer stamps every seal with it and each seal's transaction
-- re-checks (and renews) the lease row, so a sealer whose lease another one
-- took cannot commit. The Migrator creates this table (IF NOT EXISTS)
-- before it takes the 'migrate' lease, so the migration may find it there.
CREATE TABLE IF NOT EXISTS leases (
  name       VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  owner      VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  epoch      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  expires_at DATETIME(6) NOT NULL DEFAULT '1970-01-01 00:00:01'
) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin;

INSERT IGNORE INTO leases (name) VALUES ('audit_seal'), ('migrate');

-- The epoch of the seal lease under which the row was sealed; NULL while
-- unsealed and for rows sealed before this migration.
ALTER TABLE audit_log ADD COLUMN seal_epoch BIGINT UNSIGNED NULL
  COMMENT 'the audit_seal lease epoch of the seal (fencing token)' AFTER hash;
