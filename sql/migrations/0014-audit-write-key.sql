-- 0014: a random key per audit row, written with it, so that writing the
-- row again after a lost connection (the statement may have committed
-- before the connection went: Database::run reconnects and runs it again;
-- the group commit writes a failed batch's rows one by one) cannot store it
-- twice: the INSERT skips a row whose key is there (ON DUPLICATE KEY).
-- NULL for rows written before this migration and by older writers.
ALTER TABLE audit_log ADD COLUMN write_key CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NULL
  COMMENT 'random per row, so a retried write cannot store it twice' AFTER seal_epoch,
  ADD UNIQUE KEY audit_log_write_key (write_key);
