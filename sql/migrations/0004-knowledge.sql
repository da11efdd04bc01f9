-- 0004: the knowledge base (/api/knowledge).

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
