-- 0012: Idempotency-Key: the first answer to a keyed write, kept for the
-- retention window so that a retry gets it instead of a second write.

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
