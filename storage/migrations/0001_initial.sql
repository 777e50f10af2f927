-- Foundation: people, member cities, city contacts, invites and requests,
-- subscriptions, staff, the audit log and the persistent FSM.

CREATE TABLE people (
    id          INTEGER PRIMARY KEY,              -- Telegram user id
    first_name  TEXT NOT NULL DEFAULT '',
    last_name   TEXT,
    username    TEXT,
    tg_language TEXT,                             -- Telegram's language_code, last seen
    language    TEXT,                             -- chosen with /language; NULL follows Telegram
    is_active   INTEGER NOT NULL DEFAULT 1,       -- 0 once Telegram says the bot is blocked
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE cities (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,                     -- Russian name, as the union writes it
    name_en    TEXT,
    name_key   TEXT NOT NULL UNIQUE,              -- casefolded, ё as е: for lookups
    is_member  INTEGER NOT NULL DEFAULT 1,        -- 0 once removed; history keeps the row
    created_at TEXT NOT NULL
);

CREATE TABLE city_contacts (
    city_id   INTEGER NOT NULL REFERENCES cities(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    via       TEXT NOT NULL CHECK (via IN ('invite', 'request', 'cli')),
    added_by  INTEGER,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (city_id, person_id)
) WITHOUT ROWID;
CREATE INDEX city_contacts_person ON city_contacts(person_id);

CREATE TABLE invites (
    token      TEXT PRIMARY KEY,
    city_id    INTEGER NOT NULL REFERENCES cities(id) ON DELETE CASCADE,
    created_by INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    used_at    TEXT
);

CREATE TABLE contact_requests (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    city_id    INTEGER NOT NULL REFERENCES cities(id) ON DELETE CASCADE,
    status     TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'approved', 'rejected')),
    created_at TEXT NOT NULL,
    decided_by INTEGER,
    decided_at TEXT
);
CREATE UNIQUE INDEX contact_requests_one_pending
    ON contact_requests(person_id, city_id) WHERE status = 'pending';

-- The staff messages that show a request, so all of them can be updated once decided.
CREATE TABLE request_notices (
    request_id INTEGER NOT NULL REFERENCES contact_requests(id) ON DELETE CASCADE,
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    PRIMARY KEY (request_id, chat_id)
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    topic     TEXT NOT NULL,
    PRIMARY KEY (person_id, topic)
) WITHOUT ROWID;
CREATE INDEX subscriptions_topic ON subscriptions(topic);

-- Staff added by an owner. Owners come from ADMIN_IDS and are not stored.
CREATE TABLE staff (
    person_id INTEGER PRIMARY KEY,                -- Telegram id; may not have started the bot yet
    added_by  INTEGER NOT NULL,
    added_at  TEXT NOT NULL
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    actor_id   INTEGER,
    action     TEXT NOT NULL,
    subject    TEXT,
    details    TEXT,                              -- JSON
    created_at TEXT NOT NULL
);
CREATE INDEX audit_log_created ON audit_log(created_at);

-- aiogram FSM: dialog state and data per (bot, chat, user, destiny) key.
CREATE TABLE fsm (
    key        TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    state      TEXT,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL
);
CREATE INDEX fsm_user ON fsm(user_id);

-- What setMyCommands last set for a chat scope, so unchanged menus are not re-sent.
CREATE TABLE command_menus (
    scope  TEXT PRIMARY KEY,
    digest TEXT NOT NULL
) WITHOUT ROWID;
