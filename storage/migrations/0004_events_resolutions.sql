-- Events with RSVPs, and the archive of General Assembly resolutions with full-text search
-- and the comments city contacts send on drafts.

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('assembly', 'section', 'conference',
                    'round_table', 'contest', 'sport', 'other')),
    title       TEXT NOT NULL,
    city_id     INTEGER REFERENCES cities(id) ON DELETE SET NULL,  -- a member city, if it is one
    city_name   TEXT NOT NULL,                    -- as typed or the member city's name
    starts_at   TEXT NOT NULL,
    ends_at     TEXT,
    format      TEXT NOT NULL CHECK (format IN ('in_person', 'online', 'hybrid')),
    place       TEXT,                             -- the venue, for in-person and hybrid
    link        TEXT,                             -- the video link, for online and hybrid
    description TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('published', 'cancelled')),
    version     INTEGER NOT NULL DEFAULT 1,       -- +1 on every edit (keys the change notices)
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX events_starts ON events(starts_at);

-- "I will attend" (going = 1) or "I will not" (going = 0); no row: no answer.
CREATE TABLE event_rsvps (
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    going      INTEGER NOT NULL CHECK (going IN (0, 1)),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (event_id, person_id)
) WITHOUT ROWID;
CREATE INDEX event_rsvps_going ON event_rsvps(event_id, going);

CREATE TABLE resolutions (
    id            INTEGER PRIMARY KEY,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'adopted')),
    assembly_date TEXT NOT NULL,                  -- YYYY-MM-DD
    city_id       INTEGER REFERENCES cities(id) ON DELETE SET NULL,
    city_name     TEXT NOT NULL,
    title         TEXT NOT NULL,                  -- the agenda question
    body          TEXT NOT NULL,                  -- plain text, one paragraph a line
    file_key      TEXT,                           -- the original (.docx, .txt) in `files`
    file_name     TEXT,
    adopted_id    INTEGER REFERENCES resolutions(id) ON DELETE SET NULL,  -- a draft's adopted text
    created_by    INTEGER,
    created_at    TEXT NOT NULL
);
CREATE INDEX resolutions_date ON resolutions(assembly_date);

-- Full-text search over title and body. The indexed copy folds ё into е (unicode61 already
-- folds case, Cyrillic included), so "еще" finds "ещё"; queries are folded the same way.
CREATE VIRTUAL TABLE resolutions_fts USING fts5(title, body, tokenize = 'unicode61');

CREATE TRIGGER resolutions_fts_insert AFTER INSERT ON resolutions BEGIN
    INSERT INTO resolutions_fts (rowid, title, body) VALUES (
        new.id,
        replace(replace(new.title, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(new.body, 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER resolutions_fts_update AFTER UPDATE OF title, body ON resolutions BEGIN
    DELETE FROM resolutions_fts WHERE rowid = old.id;
    INSERT INTO resolutions_fts (rowid, title, body) VALUES (
        new.id,
        replace(replace(new.title, 'ё', 'е'), 'Ё', 'Е'),
        replace(replace(new.body, 'ё', 'е'), 'Ё', 'Е'));
END;
CREATE TRIGGER resolutions_fts_delete AFTER DELETE ON resolutions BEGIN
    DELETE FROM resolutions_fts WHERE rowid = old.id;
END;

-- Comments on a draft sent through the bot, and the staff's answer.
CREATE TABLE resolution_comments (
    id            INTEGER PRIMARY KEY,
    resolution_id INTEGER NOT NULL REFERENCES resolutions(id) ON DELETE CASCADE,
    person_id     INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    city_names    TEXT NOT NULL DEFAULT '',       -- the cities the person represented then
    text          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    answered_by   INTEGER,
    answer        TEXT,
    answered_at   TEXT
);
CREATE INDEX resolution_comments_resolution ON resolution_comments(resolution_id);
