-- 0006: browser sign-in (OIDC): login states and sessions.

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
