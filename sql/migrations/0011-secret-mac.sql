-- 0011: a keyed MAC of what a secret's reads rely on and its records cannot
-- vouch for: its current version and its allowed profiles.

-- HMAC-SHA-256 (lower-case hex) under a key derived from the vault keyring's
-- integrity key, over the secret's id, scope, name, version and allowed
-- profiles (src/vault/SecretMac.h says exactly what). A database writer who
-- points version at an older kept version or empties secret_profiles cannot
-- make the matching MAC, so the read is refused. NULL: written without an
-- integrity key; `nexusctl migrate` stamps the secrets that exist when this
-- migration runs if the keyring has one, `nexusctl vault mac-key` when it
-- adds one.
ALTER TABLE secrets ADD COLUMN mac CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL
  COMMENT 'keyed MAC of version and allowed profiles (src/vault/SecretMac.h)' AFTER updated_at;
