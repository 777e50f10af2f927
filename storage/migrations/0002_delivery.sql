-- The outbox: every mass send is a job with one row per recipient, and every timed
-- action (scheduled broadcasts, reminders, closing a survey) is a row with its due time.

CREATE TABLE delivery_jobs (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,            -- broadcast, announcement, reminder, ...
    dedup_key           TEXT UNIQUE,              -- makes enqueueing idempotent
    created_by          INTEGER,                  -- a staff member, or NULL for the bot
    audience            TEXT NOT NULL,            -- JSON: who it is for
    payload             TEXT NOT NULL,            -- JSON: what to send
    priority            INTEGER NOT NULL DEFAULT 0,  -- higher goes first
    status              TEXT NOT NULL DEFAULT 'running'
                        CHECK (status IN ('scheduled', 'running', 'done', 'cancelled', 'missed')),
    total               INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    scheduled_at        TEXT,
    started_at          TEXT,
    finished_at         TEXT,
    progress_chat_id    INTEGER,                  -- the staff member's live progress message
    progress_message_id INTEGER,
    reported_at         TEXT                      -- when the final report was shown
);
CREATE INDEX delivery_jobs_status ON delivery_jobs(status);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    job_id          INTEGER NOT NULL REFERENCES delivery_jobs(id) ON DELETE CASCADE,
    chat_id         INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'blocked', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    parts_sent      INTEGER NOT NULL DEFAULT 0,   -- for messages in several parts
    next_attempt_at TEXT,                         -- backoff after a network error
    last_error      TEXT,
    message_id      INTEGER,                      -- the first message sent
    sent_at         TEXT,
    UNIQUE (job_id, chat_id)
);
CREATE INDEX deliveries_pending ON deliveries(job_id, id) WHERE status = 'pending';
CREATE INDEX deliveries_job_status ON deliveries(job_id, status);

CREATE TABLE timed_actions (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,                    -- broadcast, event_reminder, survey_close, ...
    ref         TEXT NOT NULL,                    -- what it acts on, e.g. a job id
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'done', 'missed', 'cancelled')),
    created_at  TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (kind, ref)
);
CREATE INDEX timed_actions_pending ON timed_actions(due_at) WHERE status = 'pending';

-- Files the bot sends (a resolution's original, a chart): uploaded once, then re-sent by
-- the file id Telegram gave back.
CREATE TABLE files (
    key              TEXT PRIMARY KEY,
    filename         TEXT NOT NULL,
    mime_type        TEXT,
    content          BLOB NOT NULL,
    telegram_file_id TEXT,
    created_at       TEXT NOT NULL
);
