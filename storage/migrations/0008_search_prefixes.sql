-- Search: the index keeps the prefixes of every word, 3 to 12 letters long. A search term
-- is a prefix (a typed word less its ending, bot/resolutions/search.py); without these,
-- FTS5 merged the lists of every word starting with it at each search, half of the time
-- of a search in a large archive. The index grows by about 14 MiB per 1 000 texts of
-- 10 000 characters (measured). Triggers of 0006 keep it up to date, unchanged.
DROP TABLE resolutions_fts;
CREATE VIRTUAL TABLE resolutions_fts USING fts5(
    title, body, content = '', tokenize = 'unicode61', prefix = '3 4 5 6 7 8 9 10 11 12'
);
INSERT INTO resolutions_fts (rowid, title, body)
    SELECT id, replace(replace(title, 'ё', 'е'), 'Ё', 'Е'),
           replace(replace(body, 'ё', 'е'), 'Ё', 'Е')
      FROM resolutions;
