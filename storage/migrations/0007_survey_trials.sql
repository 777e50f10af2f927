-- A staff member trying a survey out before opening it ("Попробовать"): the answers live
-- here, never in responses, so nothing of a try-out is stored as a response or counted.

CREATE TABLE survey_trials (
    survey_id  INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL,
    question   TEXT NOT NULL,
    value      TEXT NOT NULL,                        -- JSON, as in answers
    PRIMARY KEY (survey_id, person_id, question)
) WITHOUT ROWID;
