-- Messages to citizens through a transactional outbox (issue 17, item 1). Every event a
-- citizen must hear about (booking confirmed, waitlist promotion, session changed or
-- cancelled by staff, reminder, sample result) writes one row here in the same transaction
-- as the change; a dispatcher delivers it later, at least once, and marks it. The row's
-- `message_key` is unique, so writing the same message twice (a reminder job in two
-- server processes) keeps one row, and a provider can drop a second delivery by its key.
--
-- Times are UTC. `lease_until` is the claim of the process sending it now: another process
-- takes the row only once the lease has run out (a sender that died mid-way). `phone`,
-- `params` and `text` are personal: they are erased (NULL, '[]', '') with the booking's or
-- sample's name and phone. `last_error` is scrubbed of anything that looks like a number.
--
-- Bookings and samples remember the language they were made in: their messages use it.

ALTER TABLE bookings ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en'));
ALTER TABLE samples ADD COLUMN lang TEXT NOT NULL DEFAULT 'zh' CHECK (lang IN ('zh', 'en'));

CREATE TABLE outbox (
    id              {{id}},
    message_key     TEXT NOT NULL UNIQUE,
    booking_id      {{int}} REFERENCES bookings(id) ON UPDATE CASCADE,
    sample_id       {{int}} REFERENCES samples(id),
    kind            TEXT NOT NULL CHECK (kind IN ('booking_confirmed', 'waitlist_promoted',
                        'session_changed', 'session_cancelled', 'reminder', 'sample_result',
                        'rescheduled', 'verification_code')),
    phone           TEXT,
    lang            TEXT NOT NULL CHECK (lang IN ('zh', 'en')),
    params          TEXT NOT NULL DEFAULT '[]',
    text            TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        {{int}} NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at      {{timestamp}} NOT NULL,
    next_attempt_at {{timestamp}} NOT NULL,
    -- Not delivered by then, it is no longer worth sending (the session has begun).
    expires_at      {{timestamp}} NOT NULL,
    lease_until     {{timestamp}},
    sent_at         {{timestamp}},
    last_error      TEXT
);

CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_booking ON outbox (booking_id);
CREATE INDEX outbox_sample ON outbox (sample_id);
