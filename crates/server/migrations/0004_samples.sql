-- Vegetable samples registered for a pesticide quick-test session, and their tests.

CREATE TABLE samples (
    id              {{id}},
    session_id      {{int}} NOT NULL REFERENCES sessions(id),
    code            TEXT NOT NULL UNIQUE,
    variety         TEXT NOT NULL,
    variety_other   TEXT NOT NULL DEFAULT '',
    bought_at       TEXT NOT NULL,
    bought_on       {{date}} NOT NULL,
    -- Personal fields: erased (NULL) after the retention period.
    name            TEXT,
    phone           TEXT,
    registered_at   {{timestamp}} NOT NULL,
    consent_at      {{timestamp}} NOT NULL,
    received_at     {{timestamp}},
    erased_at       {{timestamp}},
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
    id                {{id}},
    sample_id         {{int}} NOT NULL REFERENCES samples(id),
    method            TEXT NOT NULL,
    inhibition_tenths {{int}},
    pesticide         TEXT,
    strip             TEXT,
    judgement         TEXT NOT NULL,
    tested_by         {{int}} NOT NULL REFERENCES staff(id),
    tested_at         {{timestamp}} NOT NULL,
    corrects          {{int}} REFERENCES sample_tests(id),
    superseded_by     {{int}} REFERENCES sample_tests(id)
);
CREATE INDEX sample_tests_sample ON sample_tests(sample_id, id);
