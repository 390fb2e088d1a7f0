-- A booking made with an Idempotency-Key takes its code from that key, under the server's
-- secret (`KeyedHash::booking_code`): a retry of the request finds the booking by the code
-- its key draws, and the code's unique index refuses a second booking for one key. The
-- key's own unique index, which every booking wrote a leaf page of at a random place, is
-- no longer read or needed for new bookings.
--
-- The key's keyed hash is still kept, in a new `idempotency_key` column without an index,
-- to tell a retry from another request whose key drew the same code. Bookings made before
-- this migration have random codes: their keys stay in the old column, renamed
-- `earlier_idempotency_key`, which a retry's read looks up too, until retention or erasure
-- clears them. New bookings leave it empty. SQLite cannot drop the old column's unique
-- index without rebuilding the table, so there it stays, its new entries all empty keys,
-- written in order (one page, not one at a random place); PostgreSQL trades it for an
-- index of the earlier keys alone.
ALTER TABLE bookings RENAME COLUMN idempotency_key TO earlier_idempotency_key;
ALTER TABLE bookings ADD COLUMN idempotency_key TEXT;
-- postgres:
ALTER TABLE bookings DROP CONSTRAINT bookings_idempotency_key;
CREATE INDEX bookings_earlier_idempotency_key ON bookings (earlier_idempotency_key)
    WHERE earlier_idempotency_key IS NOT NULL;
-- end
