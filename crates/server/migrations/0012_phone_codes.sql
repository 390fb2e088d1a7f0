-- Verified phones (issue 17, item 3; `--verify-phones`). One row per code sent: the keyed
-- hash of the phone and of the code (never either in clear; the text message carrying the
-- code sits in the outbox until it expires, then is erased), the tries made, and once the
-- right code was given the keyed hash of the token it was exchanged for. Rows are deleted
-- once both code and token have expired (minutes after they were made).
-- sqlite:
-- AUTOINCREMENT: an id is never handed out twice, even once the table is empty again, as
-- each code's text message is keyed by it in the outbox (`verification_code:<id>`), whose
-- rows outlive the codes (PostgreSQL's identity never repeats either).
-- end
CREATE TABLE phone_codes (
    id               {{id_never_reused}},
    phone_hash       TEXT NOT NULL,
    code_hash        TEXT NOT NULL,
    tries            {{int}} NOT NULL DEFAULT 0 CHECK (tries >= 0),
    created_at       {{timestamp}} NOT NULL,
    expires_at       {{timestamp}} NOT NULL,
    token_hash       TEXT UNIQUE,
    token_expires_at {{timestamp}}
);

CREATE INDEX phone_codes_phone ON phone_codes (phone_hash, id);
CREATE INDEX phone_codes_expiry ON phone_codes (expires_at);
-- "Find my bookings by phone" reads samples by phone alone.
CREATE INDEX samples_by_phone_hash ON samples (phone_hash);
