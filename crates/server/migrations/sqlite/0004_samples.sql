-- Vegetable samples registered for a pesticide quick-test session, and their tests.

CREATE TABLE samples (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    code            TEXT NOT NULL UNIQUE,
    variety         TEXT NOT NULL,
    variety_other   TEXT NOT NULL DEFAULT '',
    bought_at       TEXT NOT NULL,
    bought_on       TEXT NOT NULL,
    -- Personal fields: erased (NULL) after the retention period.
    name            TEXT,
    phone           TEXT,
    registered_at   TEXT NOT NULL,
    consent_at      TEXT NOT NULL,
    received_at     TEXT,
    erased_at       TEXT,
    -- Every sample of one registration carries its Idempotency-Key and request digest.
    idempotency_key TEXT,
    request_digest  TEXT
);
CREATE INDEX samples_session ON samples(session_id, id);
CREATE INDEX samples_phone ON samples(session_id, phone);
CREATE INDEX samples_idempotency ON samples(idempotency_key);

-- One row per test; a correction is a new row, and the row it corrects is kept with
-- `superseded_by` set so the history stays.
CREATE TABLE sample_tests (
    id                INTEGER PRIMARY KEY,
    sample_id         INTEGER NOT NULL REFERENCES samples(id),
    method            TEXT NOT NULL,
    inhibition_tenths INTEGER,
    pesticide         TEXT,
    strip             TEXT,
    judgement         TEXT NOT NULL,
    tested_by         INTEGER NOT NULL REFERENCES staff(id),
    tested_at         TEXT NOT NULL,
    corrects          INTEGER REFERENCES sample_tests(id),
    superseded_by     INTEGER REFERENCES sample_tests(id)
);
CREATE INDEX sample_tests_sample ON sample_tests(sample_id, id);
