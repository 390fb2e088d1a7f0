-- The database refuses what must never be (issue 14): counts of people out of range, a
-- sqlite:
-- session holding more people than its places, statuses the code does not know. SQLite
-- cannot add a CHECK to an existing table, and rebuilding `sessions` and `bookings` would
-- mean rebuilding every table that refers to them; BEFORE triggers that RAISE(ABORT) refuse
-- the same rows. PostgreSQL gets the same rules as CHECK constraints (its 0006_counts.sql).
-- The bounds are the domain's: a party is 1-20 adults and 0-20 children, 20 people at most
-- end
-- postgres:
-- session holding more people than its places, statuses the code does not know. The same
-- rules as SQLite's 0006_counts.sql (there as triggers), here as CHECK constraints. The
-- bounds are the domain's: a party is 1-20 adults and 0-20 children, 20 people at most
-- end
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
    adults = {{least}}({{greatest}}(adults, 1), 20),
    children = {{least}}({{greatest}}(children, 0), 20 - {{least}}({{greatest}}(adults, 1), 20))
-- sqlite:
WHERE typeof(adults) <> 'integer' OR typeof(children) <> 'integer'
   OR adults NOT BETWEEN 1 AND 20 OR children NOT BETWEEN 0 AND 20 OR adults + children > 20;
-- end
-- postgres:
WHERE adults NOT BETWEEN 1 AND 20 OR children NOT BETWEEN 0 AND 20 OR adults + children > 20;
-- end

UPDATE bookings SET status = 'cancelled'
WHERE status NOT IN ('confirmed', 'waitlisted', 'cancelled', 'checked_in', 'no_show');

UPDATE bookings SET checked_in = {{least}}({{greatest}}(checked_in, 0), adults + children)
-- sqlite:
WHERE typeof(checked_in) <> 'integer' OR checked_in NOT BETWEEN 0 AND adults + children;
-- end
-- postgres:
WHERE checked_in NOT BETWEEN 0 AND adults + children;
-- end

UPDATE sessions SET status = 'scheduled' WHERE status NOT IN ('scheduled', 'cancelled');
UPDATE sessions SET format = 'visit'
WHERE format NOT IN ('visit', 'demo', 'quick_test', 'cloud_classroom');
UPDATE sessions SET per_booking_limit = {{least}}({{greatest}}(per_booking_limit, 1), 20)
WHERE per_booking_limit NOT BETWEEN 1 AND 20;
-- sqlite:
UPDATE sessions SET
    booked = (SELECT COALESCE(SUM(adults + children), 0) FROM bookings b
              WHERE b.session_id = sessions.id AND b.status IN ('confirmed', 'checked_in', 'no_show')),
    waiting = (SELECT COALESCE(SUM(adults + children), 0) FROM bookings b
               WHERE b.session_id = sessions.id AND b.status = 'waitlisted'),
    capacity = MAX(MIN(MAX(capacity, 0), 100000),
               (SELECT COALESCE(SUM(adults + children), 0) FROM bookings b
                WHERE b.session_id = sessions.id AND b.status IN ('confirmed', 'checked_in', 'no_show')));
-- end
-- postgres:

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
-- end

UPDATE activities SET kind = 'lab_open_day'
WHERE kind NOT IN ('lab_open_day', 'certification_week', 'training');

UPDATE staff SET role = 'organiser' WHERE role IN ('organizer', 'Organiser', 'Organizer');
UPDATE staff SET role = 'lab_staff' WHERE role NOT IN ('organiser', 'lab_staff');

UPDATE sample_tests SET method = 'enzyme_inhibition'
WHERE method NOT IN ('enzyme_inhibition', 'colloidal_gold');
UPDATE sample_tests SET judgement = 'positive'
WHERE judgement NOT IN ('negative', 'suspicious', 'positive');

-- sqlite:
CREATE TRIGGER sessions_counts_insert BEFORE INSERT ON sessions
WHEN typeof(NEW.booked) <> 'integer' OR typeof(NEW.waiting) <> 'integer'
  OR typeof(NEW.capacity) <> 'integer' OR typeof(NEW.per_booking_limit) <> 'integer'
  OR NEW.booked < 0 OR NEW.waiting < 0 OR NEW.booked > NEW.capacity
  OR NEW.capacity NOT BETWEEN 0 AND 100000 OR NEW.per_booking_limit NOT BETWEEN 1 AND 20
  OR NEW.status NOT IN ('scheduled', 'cancelled')
  OR NEW.format NOT IN ('visit', 'demo', 'quick_test', 'cloud_classroom')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sessions counts and status');
END;

CREATE TRIGGER sessions_counts_update BEFORE UPDATE ON sessions
WHEN typeof(NEW.booked) <> 'integer' OR typeof(NEW.waiting) <> 'integer'
  OR typeof(NEW.capacity) <> 'integer' OR typeof(NEW.per_booking_limit) <> 'integer'
  OR NEW.booked < 0 OR NEW.waiting < 0 OR NEW.booked > NEW.capacity
  OR NEW.capacity NOT BETWEEN 0 AND 100000 OR NEW.per_booking_limit NOT BETWEEN 1 AND 20
  OR NEW.status NOT IN ('scheduled', 'cancelled')
  OR NEW.format NOT IN ('visit', 'demo', 'quick_test', 'cloud_classroom')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sessions counts and status');
END;

CREATE TRIGGER bookings_counts_insert BEFORE INSERT ON bookings
WHEN typeof(NEW.adults) <> 'integer' OR typeof(NEW.children) <> 'integer'
  OR typeof(NEW.checked_in) <> 'integer'
  OR NEW.adults NOT BETWEEN 1 AND 20 OR NEW.children NOT BETWEEN 0 AND 20
  OR NEW.adults + NEW.children > 20
  OR NEW.checked_in NOT BETWEEN 0 AND NEW.adults + NEW.children
  OR NEW.status NOT IN ('confirmed', 'waitlisted', 'cancelled', 'checked_in', 'no_show')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: bookings party and status');
END;

CREATE TRIGGER bookings_counts_update BEFORE UPDATE ON bookings
WHEN typeof(NEW.adults) <> 'integer' OR typeof(NEW.children) <> 'integer'
  OR typeof(NEW.checked_in) <> 'integer'
  OR NEW.adults NOT BETWEEN 1 AND 20 OR NEW.children NOT BETWEEN 0 AND 20
  OR NEW.adults + NEW.children > 20
  OR NEW.checked_in NOT BETWEEN 0 AND NEW.adults + NEW.children
  OR NEW.status NOT IN ('confirmed', 'waitlisted', 'cancelled', 'checked_in', 'no_show')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: bookings party and status');
END;

CREATE TRIGGER activities_kind_insert BEFORE INSERT ON activities
WHEN NEW.kind NOT IN ('lab_open_day', 'certification_week', 'training')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: activities kind');
END;

CREATE TRIGGER activities_kind_update BEFORE UPDATE OF kind ON activities
WHEN NEW.kind NOT IN ('lab_open_day', 'certification_week', 'training')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: activities kind');
END;

CREATE TRIGGER staff_role_insert BEFORE INSERT ON staff
WHEN NEW.role NOT IN ('organiser', 'lab_staff')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: staff role');
END;

CREATE TRIGGER staff_role_update BEFORE UPDATE OF role ON staff
WHEN NEW.role NOT IN ('organiser', 'lab_staff')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: staff role');
END;

CREATE TRIGGER sample_tests_values_insert BEFORE INSERT ON sample_tests
WHEN NEW.method NOT IN ('enzyme_inhibition', 'colloidal_gold')
  OR NEW.judgement NOT IN ('negative', 'suspicious', 'positive')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sample_tests method and judgement');
END;

CREATE TRIGGER sample_tests_values_update BEFORE UPDATE OF method, judgement ON sample_tests
WHEN NEW.method NOT IN ('enzyme_inhibition', 'colloidal_gold')
  OR NEW.judgement NOT IN ('negative', 'suspicious', 'positive')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sample_tests method and judgement');
END;
-- end
-- postgres:
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
-- end
