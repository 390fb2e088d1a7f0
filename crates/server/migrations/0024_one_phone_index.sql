-- One index for the rules a phone meets, where there were two. Every rule that reads a
-- phone's bookings (the duplicate, the daily limit, the no-show pause, a move's checks)
-- reads them by the phone's keyed hash, through `bookings_phone_hash`; the one booking per
-- phone per session was kept by a second unique index, of the phone itself, that no query
-- read. Each booking wrote a leaf page of both, at a random place: during a rush about one
-- page in five that a booking wrote was the second index's.
--
-- Now one unique index holds both: by the phone's hash, then the session, then 0 for a
-- booking that holds or waits for a place and still names its holder (so a second one on
-- the same session is refused, as before) and the booking's own id for any other (never a
-- clash). The reads use its first column, as they used the old index's. An erased booking
-- stays out of the rule, as it was when the rule was kept on the phone, which erasure
-- clears: it may keep its hash (for the no-show pause) and be checked in afterwards, beside
-- a walk-in of the same phone.
DROP INDEX bookings_one_per_phone_per_session;
DROP INDEX bookings_phone_hash;
CREATE UNIQUE INDEX bookings_phone_hash ON bookings (phone_hash, session_id,
    (CASE WHEN status IN ('confirmed', 'waitlisted', 'checked_in') AND erased_at IS NULL
        THEN 0 ELSE id END));
