-- 0008: the audit log's target filter uses an index.

-- GET /admin/audit-log?target=... read every row of the table without it
-- (1.6 s at a million rows, bench/GROWTH.md); with it, the newest page of
-- one target is an index range, in id order like the other filters.
ALTER TABLE audit_log ADD KEY audit_log_target (target, id);
