-- 0009: when each agent token was last used.

-- Written in batches by each worker (every auth.token_usage_flush_s), never
-- once per request, so it is accurate to that interval; NULL: not used since
-- it was issued (or since this column exists). expires_at now also holds the
-- end of a token issued with a lifetime (PUT /api/agents/:slug/token?ttl=).
ALTER TABLE agent_tokens ADD COLUMN last_used_at DATETIME(3) NULL AFTER expires_at;
