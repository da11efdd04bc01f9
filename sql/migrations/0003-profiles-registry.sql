-- 0003: inference profiles get their whole shape (model routing with
-- fallbacks, parameters, a version), and the model registry.

-- A profile row from version 2 had a name only: it keeps it, with no model
-- yet (the API reports that as a warning until an admin sets one).
ALTER TABLE profiles
  ADD COLUMN model       VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '' AFTER name,
  ADD COLUMN fallbacks   TEXT NOT NULL DEFAULT '[]' COMMENT 'JSON array: model strings or {model, on}' AFTER model,
  ADD COLUMN vision      TINYINT(1) NOT NULL DEFAULT 0 AFTER fallbacks,
  ADD COLUMN gateway     VARCHAR(500) NULL AFTER vision,
  ADD COLUMN description TEXT NULL AFTER gateway,
  ADD COLUMN parameters  TEXT NOT NULL DEFAULT '{}' COMMENT 'JSON object passed through to the model' AFTER description,
  ADD COLUMN version     INT UNSIGNED NOT NULL DEFAULT 1 AFTER parameters,
  ADD COLUMN updated_at  DATETIME(3) NULL AFTER created_at;
UPDATE profiles SET updated_at = created_at;
ALTER TABLE profiles MODIFY COLUMN updated_at DATETIME(3) NOT NULL;

-- The model registry: what each model can do. slug is the family
-- ("gpt-4o"), model_id the routable id ("openai/gpt-4o"), unique.
-- Modalities are comma-separated words ("text,image") so FIND_IN_SET filters
-- them; pricing (USD per million tokens), supported_parameters and metadata
-- are JSON.
CREATE TABLE models (
  id                   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  model_id             VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  slug                 VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  provider             VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  name                 VARCHAR(200) NOT NULL,
  context_length       INT UNSIGNED NULL,
  max_output_tokens    INT UNSIGNED NULL,
  input_modalities     VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  output_modalities    VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL DEFAULT '',
  pricing              TEXT NOT NULL DEFAULT '{}' COMMENT 'JSON object: prompt, completion, cache_read, cache_write',
  supported_parameters TEXT NOT NULL DEFAULT '[]' COMMENT 'JSON array of parameter names',
  deprecation_date     DATE NULL,
  metadata             TEXT NOT NULL DEFAULT '{}' COMMENT 'JSON object, free',
  created_at           DATETIME(3) NOT NULL,
  updated_at           DATETIME(3) NOT NULL,
  UNIQUE KEY models_model_id (model_id),
  KEY models_slug (slug, id),
  KEY models_provider (provider, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
