-- Information exchanges: survey definitions, one response per city (or per person),
-- and one row per answer, so two contacts answering at once never overwrite each other.

CREATE TABLE surveys (
    id            INTEGER PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,              -- the file's id
    title         TEXT NOT NULL,
    audience      TEXT NOT NULL CHECK (audience IN ('cities', 'subscribers')),
    definition    TEXT NOT NULL,                     -- the validated definition, JSON
    source        TEXT NOT NULL,                     -- the file as imported
    status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    deadline      TEXT,
    version       INTEGER NOT NULL DEFAULT 0,        -- +1 at each opening (idempotency keys)
    created_by    INTEGER,
    created_at    TEXT NOT NULL,
    opened_at     TEXT,
    closed_at     TEXT
);

CREATE TABLE responses (
    id              INTEGER PRIMARY KEY,
    survey_id       INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    city_id         INTEGER REFERENCES cities(id),   -- audience: cities
    person_id       INTEGER,                         -- audience: subscribers
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    submitted_at    TEXT,
    submitted_by    INTEGER,
    edited_at       TEXT,                            -- changed after it was submitted
    updated_at      TEXT NOT NULL,
    UNIQUE (survey_id, city_id),
    UNIQUE (survey_id, person_id),
    CHECK ((city_id IS NULL) <> (person_id IS NULL))
);

CREATE TABLE answers (
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question    TEXT NOT NULL,                       -- the question's key
    value       TEXT NOT NULL,                       -- JSON; null = skipped
    answered_by INTEGER,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (response_id, question)
) WITHOUT ROWID;
