-- A booking made with an Idempotency-Key takes its code from that key, under the server's
-- secret (`KeyedHash::booking_code`): a retry of the request finds the booking by the code
-- its key drew, and the code's unique index refuses a second booking for one key. The
-- key's own unique index, which every booking wrote a leaf page of at a random place, is
-- no longer written for new bookings.
--
-- Such a booking keeps its key's keyed hash in `code_key`, without an index, to tell a
-- retry from another request whose key drew the same code. `idempotency_key` keeps the
-- keys of bookings made before (their codes are random), which a retry's read looks up
-- too, until retention or erasure clears them; new bookings leave it NULL. A server still
-- running the version before this one goes on writing there, so its bookings are found as
-- well. SQLite cannot drop that column's unique index without rebuilding the table, so
-- there it stays, each new booking's entry a NULL key written in order (one page a batch,
-- not one at a random place); PostgreSQL makes it a unique index of the non-NULL keys only.
-- An erased booking keeps its code, which follows from its key under the secret; it names
-- nobody by then.
ALTER TABLE bookings ADD COLUMN code_key TEXT;
-- postgres:
ALTER TABLE bookings DROP CONSTRAINT bookings_idempotency_key;
CREATE UNIQUE INDEX bookings_idempotency_key ON bookings (idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- end
