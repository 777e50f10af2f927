-- Corrections of resolutions (versions, withdrawal), the line to the office, events whose
-- video link comes later, and what a city-contact request says about the person.

ALTER TABLE resolutions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE resolutions ADD COLUMN updated_at TEXT;
ALTER TABLE resolutions ADD COLUMN updated_by INTEGER;
ALTER TABLE resolutions ADD COLUMN withdrawn_at TEXT;  -- withdrawn: out of the archive
ALTER TABLE resolutions ADD COLUMN withdrawn_by INTEGER;

-- Earlier versions of a corrected resolution (what it was before version `version` + 1).
CREATE TABLE resolution_versions (
    resolution_id INTEGER NOT NULL REFERENCES resolutions(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    status        TEXT NOT NULL,
    assembly_date TEXT NOT NULL,
    city_name     TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    file_key      TEXT,
    file_name     TEXT,
    draft_id      INTEGER,                        -- the draft it adopted then
    replaced_by   INTEGER,                        -- the staff member who corrected it
    replaced_at   TEXT NOT NULL,
    PRIMARY KEY (resolution_id, version)
) WITHOUT ROWID;

-- Messages to the executive office ("Написать в дирекцию"), kept in the sender's chat and
-- copied to the staff; the first answer is marked on every staff copy.
CREATE TABLE office_messages (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    message_id  INTEGER NOT NULL,                 -- in the sender's chat (copied from there)
    kind        TEXT NOT NULL,                    -- text, photo, document, other
    preview     TEXT NOT NULL DEFAULT '',         -- the first words (text or caption)
    city_names  TEXT NOT NULL DEFAULT '',         -- the cities the person represented then
    created_at  TEXT NOT NULL,
    answered_by INTEGER,
    answer      TEXT,
    answered_at TEXT,
    UNIQUE (person_id, message_id)
);
CREATE INDEX office_messages_open ON office_messages(answered_at, id);

-- The staff messages showing one, so all can show who answered.
CREATE TABLE office_notices (
    office_id  INTEGER NOT NULL REFERENCES office_messages(id) ON DELETE CASCADE,
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (office_id, chat_id)
) WITHOUT ROWID;

-- A city-contact request: the person's position and organisation, as they wrote them.
ALTER TABLE contact_requests ADD COLUMN position TEXT;
ALTER TABLE contact_requests ADD COLUMN organisation TEXT;
