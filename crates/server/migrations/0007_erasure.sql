-- Erasure that erases. A server secret for keyed hashes (made at first start, by the
-- server: SQL cannot draw from the OS random source); a keyed hash of each phone, kept
-- after erasure so the no-show pause and the daily limit still hold; and idempotency
-- records that hold keyed hashes instead of the request.

CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at {{timestamp}} NOT NULL
);

-- Filled on insert, and for older rows by the server at start-up (SQL cannot HMAC).
ALTER TABLE bookings ADD COLUMN phone_hash TEXT;
ALTER TABLE samples ADD COLUMN phone_hash TEXT;
CREATE INDEX bookings_phone_hash ON bookings(phone_hash, session_day);
CREATE INDEX samples_phone_hash ON samples(session_id, phone_hash);
-- The rules read by hash now; an index of phones would be one more copy to erase.
DROP INDEX bookings_phone;
DROP INDEX samples_phone;

-- Earlier idempotency records are the whole request as JSON, name and phone included. They
-- cannot be turned into keyed hashes of the same text, and the keys are stored hashed from
-- now on, so they could never match again: clear them. A retry sent across the upgrade is
-- then a new request (refused as a duplicate when its booking exists).
UPDATE bookings SET request_digest = NULL, idempotency_key = NULL
    WHERE request_digest IS NOT NULL OR idempotency_key IS NOT NULL;
UPDATE samples SET request_digest = NULL, idempotency_key = NULL
    WHERE request_digest IS NOT NULL OR idempotency_key IS NOT NULL;
