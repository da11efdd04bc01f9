-- 0005: agent memories: the entries each agent collects, day by day, and
-- a summary row per agent and day.

-- Agent memories: one row per entry collected, content stored byte for
-- byte (utf8mb4; the API refuses NUL). The FULLTEXT index serves
-- /api/memories/search; words it cannot hold (short and stop words) are
-- found by a scan (src/memories/SearchQuery.h).
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
