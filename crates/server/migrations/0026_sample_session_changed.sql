-- A new message kind: `sample_session_changed`, the text to a phone holding samples on a
-- quick-test session that moved to another time or place, not yet handed in. The outbox's
-- `kind` CHECK lists the kinds, so it takes the new one.
-- sqlite:
-- SQLite cannot change a CHECK in place: the table is rebuilt with the new one, every row and
-- id kept, and its indexes made again. No table refers to the outbox.
CREATE TABLE outbox_kinds (
    id              INTEGER PRIMARY KEY,
    message_key     TEXT NOT NULL UNIQUE,
    booking_id      INTEGER REFERENCES bookings(id) ON UPDATE CASCADE,
    sample_id       INTEGER REFERENCES samples(id),
    kind            TEXT NOT NULL CHECK (kind IN ('booking_confirmed', 'waitlist_promoted',
                        'session_changed', 'session_cancelled', 'reminder', 'sample_result',
                        'rescheduled', 'verification_code', 'sample_session_cancelled',
                        'walk_in_checked_in', 'sample_session_changed')),
    phone           TEXT,
    lang            TEXT NOT NULL CHECK (lang IN ('zh', 'en')),
    params          TEXT NOT NULL DEFAULT '[]',
    text            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    -- Not delivered by then, it is no longer worth sending (the session has begun).
    expires_at      TEXT NOT NULL,
    lease_until     TEXT,
    sent_at         TEXT,
    last_error      TEXT
);
INSERT INTO outbox_kinds (id, message_key, booking_id, sample_id, kind, phone, lang, params,
    text, status, attempts, created_at, next_attempt_at, expires_at, lease_until, sent_at,
    last_error)
    SELECT id, message_key, booking_id, sample_id, kind, phone, lang, params, text, status,
        attempts, created_at, next_attempt_at, expires_at, lease_until, sent_at, last_error
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_kinds RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_booking ON outbox (booking_id);
CREATE INDEX outbox_sample ON outbox (sample_id);
CREATE INDEX outbox_pending_expiry ON outbox (status, expires_at) WHERE status = 'pending';
-- end
-- postgres:
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check,
    ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('booking_confirmed', 'waitlist_promoted',
        'session_changed', 'session_cancelled', 'reminder', 'sample_result', 'rescheduled',
        'verification_code', 'sample_session_cancelled', 'walk_in_checked_in',
        'sample_session_changed'));
-- end
