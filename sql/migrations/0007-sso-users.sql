-- 0007: the people who have signed in, with the role they last had.

-- One row per SSO user (the provider's sub), written at every sign-in, so a
-- sign-in with another role than last time is audited as sso.role_change
-- even after that user's old sessions are purged.
CREATE TABLE sso_users (
  user_id         VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  role            VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  first_seen_at   DATETIME(3) NOT NULL,
  last_sign_in_at DATETIME(3) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
