-- The database refuses what must never be (issue 14): counts of people out of range, a
-- session holding more people than its places, statuses the code does not know. The same
-- rules as SQLite's 0006_counts.sql (there as triggers), here as CHECK constraints. The
-- bounds are the domain's: a party is 1-20 adults and 0-20 children, 20 people at most
-- (PARTY_HARD_LIMIT); a session has 0-100000 places (CAPACITY_MAX) and a per-booking limit
-- of 1-20.
--
-- Rows stored before these rules are repaired first, so every existing database migrates:
-- 1. A booking whose party no request could have made (the u32 overflow) is cancelled, and
--    its counts are brought into range so the row can stay as a record.
-- 2. `checked_in` is brought between 0 and the party.
-- 3. A status, format, kind, role, method or judgement the code does not know becomes the
--    value the code already read it as (so nothing anyone saw changes).
-- 4. Each session's `booked` and `waiting` are counted again from its bookings: they are a
--    cache of those sums, and the overflow left them negative.
-- 5. A session that then holds more people than its places (overbooked through the
--    overflow) keeps every confirmed person: its capacity is raised to what is booked, so
--    nobody else is confirmed until cancellations bring it back under.

UPDATE bookings
SET status = 'cancelled',
    cancelled_at = COALESCE(cancelled_at, booked_at),
    adults = LEAST(GREATEST(adults, 1), 20),
    children = LEAST(GREATEST(children, 0), 20 - LEAST(GREATEST(adults, 1), 20))
WHERE adults NOT BETWEEN 1 AND 20 OR children NOT BETWEEN 0 AND 20 OR adults + children > 20;

UPDATE bookings SET status = 'cancelled'
WHERE status NOT IN ('confirmed', 'waitlisted', 'cancelled', 'checked_in', 'no_show');

UPDATE bookings SET checked_in = LEAST(GREATEST(checked_in, 0), adults + children)
WHERE checked_in NOT BETWEEN 0 AND adults + children;

UPDATE sessions SET status = 'scheduled' WHERE status NOT IN ('scheduled', 'cancelled');
UPDATE sessions SET format = 'visit'
WHERE format NOT IN ('visit', 'demo', 'quick_test', 'cloud_classroom');
UPDATE sessions SET per_booking_limit = LEAST(GREATEST(per_booking_limit, 1), 20)
WHERE per_booking_limit NOT BETWEEN 1 AND 20;

WITH held AS (
    SELECT s.id,
           COALESCE(SUM(b.adults + b.children)
                    FILTER (WHERE b.status IN ('confirmed', 'checked_in', 'no_show')), 0) AS booked,
           COALESCE(SUM(b.adults + b.children) FILTER (WHERE b.status = 'waitlisted'), 0) AS waiting
    FROM sessions s LEFT JOIN bookings b ON b.session_id = s.id
    GROUP BY s.id
)
UPDATE sessions SET
    booked = held.booked,
    waiting = held.waiting,
    capacity = GREATEST(LEAST(GREATEST(sessions.capacity, 0), 100000), held.booked)
FROM held
WHERE held.id = sessions.id
  AND (sessions.booked <> held.booked OR sessions.waiting <> held.waiting
       OR sessions.capacity NOT BETWEEN 0 AND 100000 OR sessions.capacity < held.booked);

UPDATE activities SET kind = 'lab_open_day'
WHERE kind NOT IN ('lab_open_day', 'certification_week', 'training');

UPDATE staff SET role = 'organiser' WHERE role IN ('organizer', 'Organiser', 'Organizer');
UPDATE staff SET role = 'lab_staff' WHERE role NOT IN ('organiser', 'lab_staff');

UPDATE sample_tests SET method = 'enzyme_inhibition'
WHERE method NOT IN ('enzyme_inhibition', 'colloidal_gold');
UPDATE sample_tests SET judgement = 'positive'
WHERE judgement NOT IN ('negative', 'suspicious', 'positive');

-- `booked <= capacity` and `capacity >= 0` have been there since 0001.
ALTER TABLE sessions
    ADD CONSTRAINT sessions_booked_range CHECK (booked >= 0),
    ADD CONSTRAINT sessions_waiting_range CHECK (waiting >= 0),
    ADD CONSTRAINT sessions_capacity_range CHECK (capacity BETWEEN 0 AND 100000),
    ADD CONSTRAINT sessions_per_booking_limit_range CHECK (per_booking_limit BETWEEN 1 AND 20),
    ADD CONSTRAINT sessions_status_known CHECK (status IN ('scheduled', 'cancelled')),
    ADD CONSTRAINT sessions_format_known
        CHECK (format IN ('visit', 'demo', 'quick_test', 'cloud_classroom'));

ALTER TABLE bookings
    ADD CONSTRAINT bookings_adults_range CHECK (adults BETWEEN 1 AND 20),
    ADD CONSTRAINT bookings_children_range CHECK (children BETWEEN 0 AND 20),
    ADD CONSTRAINT bookings_party_range CHECK (adults + children <= 20),
    ADD CONSTRAINT bookings_checked_in_range CHECK (checked_in BETWEEN 0 AND adults + children),
    ADD CONSTRAINT bookings_status_known
        CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'checked_in', 'no_show'));

ALTER TABLE activities
    ADD CONSTRAINT activities_kind_known
        CHECK (kind IN ('lab_open_day', 'certification_week', 'training'));

ALTER TABLE staff
    ADD CONSTRAINT staff_role_known CHECK (role IN ('organiser', 'lab_staff'));

ALTER TABLE sample_tests
    ADD CONSTRAINT sample_tests_method_known CHECK (method IN ('enzyme_inhibition', 'colloidal_gold')),
    ADD CONSTRAINT sample_tests_judgement_known
        CHECK (judgement IN ('negative', 'suspicious', 'positive'));
