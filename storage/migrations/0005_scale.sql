-- Scale: a search index without a second copy of the texts, and an index for the
-- adopted-draft lookups.

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
