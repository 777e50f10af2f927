-- Scale and operations: a search index without a second copy of the texts, an index for
-- the adopted-draft lookups, job counts that outlive the per-recipient rows, and the bot's
-- own status (heartbeat, last maintenance, last backup).

-- A draft's adopted text is looked up for every resolution shown; without an index each
-- lookup read every resolution, long texts and all.
CREATE INDEX resolutions_adopted ON resolutions(adopted_id) WHERE adopted_id IS NOT NULL;

-- The search index keeps no copy of the texts (contentless): the pieces shown are cut
-- from `resolutions` (bot/resolutions/search.py). Its rows are removed with the 'delete'
-- command and the values that were indexed (ё folded into е, as before).
DROP TRIGGER resolutions_fts_insert;
DROP TRIGGER resolutions_fts_update;
DROP TRIGGER resolutions_fts_delete;
DROP TABLE resolutions_fts;
CREATE VIRTUAL TABLE resolutions_fts USING fts5(
    title, body, content = '', tokenize = 'unicode61'
);
INSERT INTO resolutions_fts (rowid, title, body)
    SELECT id, replace(replace(title, 'ё', 'е'), 'Ё', 'Е'),
           replace(replace(body, 'ё', 'е'), 'Ё', 'Е')
      FROM resolutions;
CREATE TRIGGER resolutions_fts_insert AFTER INSERT ON resolutions BEGIN
    INSERT INTO resolutions_fts (rowid, title, body) VALUES (
        new.id,
        replace(replace(new.title, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(new.body, 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER resolutions_fts_update AFTER UPDATE OF title, body ON resolutions BEGIN
    INSERT INTO resolutions_fts (resolutions_fts, rowid, title, body) VALUES (
        'delete', old.id,
        replace(replace(old.title, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(old.body, 'ё', 'е'), 'Ё', 'Е'));
    INSERT INTO resolutions_fts (rowid, title, body) VALUES (
        new.id,
        replace(replace(new.title, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(new.body, 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER resolutions_fts_delete AFTER DELETE ON resolutions BEGIN
    INSERT INTO resolutions_fts (resolutions_fts, rowid, title, body) VALUES (
        'delete', old.id,
        replace(replace(old.title, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(old.body, 'ё', 'е'), 'Ё', 'Е'));
END;

-- After DELIVERY_RETENTION a finished job's per-recipient rows are deleted; its counts
-- stay on the job (JSON: {"sent": n, "blocked": n, ...}).
ALTER TABLE delivery_jobs ADD COLUMN counts TEXT;
ALTER TABLE delivery_jobs ADD COLUMN pruned_at TEXT;
CREATE INDEX delivery_jobs_finished ON delivery_jobs(finished_at)
    WHERE pruned_at IS NULL AND finished_at IS NOT NULL;

-- What the bot says about itself: `heartbeat` (the last poll or webhook update), the
-- last maintenance and backup. Read by `unionbot health`.
CREATE TABLE bot_status (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
