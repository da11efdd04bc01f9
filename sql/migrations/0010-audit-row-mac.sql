-- 0010: a keyed MAC of each audit row's content, written with the row.

-- HMAC-SHA-256 (lower-case hex) under a key derived from the vault keyring's
-- integrity key, over the row's content without its id (Chain.h says exactly
-- what). A database writer cannot make one for content it changed, so the
-- sealer refuses to chain an edited row and `nexusctl audit verify` reports
-- it. NULL: written before the keyring had an integrity key.
ALTER TABLE audit_log ADD COLUMN row_mac CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL
  COMMENT 'keyed MAC of the content (src/audit/Chain.h)' AFTER client;
