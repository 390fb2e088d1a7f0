-- The database refuses what must never be (issue 14): counts of people out of range, a
-- session holding more people than its places, statuses the code does not know. SQLite
-- cannot add a CHECK to an existing table, and rebuilding `sessions` and `bookings` would
-- mean rebuilding every table that refers to them; BEFORE triggers that RAISE(ABORT) refuse
-- the same rows. PostgreSQL gets the same rules as CHECK constraints (its 0006_counts.sql).
-- The bounds are the domain's: a party is 1-20 adults and 0-20 children, 20 people at most
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
    adults = MIN(MAX(adults, 1), 20),
    children = MIN(MAX(children, 0), 20 - MIN(MAX(adults, 1), 20))
WHERE typeof(adults) <> 'integer' OR typeof(children) <> 'integer'
   OR adults NOT BETWEEN 1 AND 20 OR children NOT BETWEEN 0 AND 20 OR adults + children > 20;

UPDATE bookings SET status = 'cancelled'
WHERE status NOT IN ('confirmed', 'waitlisted', 'cancelled', 'checked_in', 'no_show');

UPDATE bookings SET checked_in = MIN(MAX(checked_in, 0), adults + children)
WHERE typeof(checked_in) <> 'integer' OR checked_in NOT BETWEEN 0 AND adults + children;

UPDATE sessions SET status = 'scheduled' WHERE status NOT IN ('scheduled', 'cancelled');
UPDATE sessions SET format = 'visit'
WHERE format NOT IN ('visit', 'demo', 'quick_test', 'cloud_classroom');
UPDATE sessions SET per_booking_limit = MIN(MAX(per_booking_limit, 1), 20)
WHERE per_booking_limit NOT BETWEEN 1 AND 20;
UPDATE sessions SET
    booked = (SELECT COALESCE(SUM(adults + children), 0) FROM bookings b
              WHERE b.session_id = sessions.id AND b.status IN ('confirmed', 'checked_in', 'no_show')),
    waiting = (SELECT COALESCE(SUM(adults + children), 0) FROM bookings b
               WHERE b.session_id = sessions.id AND b.status = 'waitlisted'),
    capacity = MAX(MIN(MAX(capacity, 0), 100000),
               (SELECT COALESCE(SUM(adults + children), 0) FROM bookings b
                WHERE b.session_id = sessions.id AND b.status IN ('confirmed', 'checked_in', 'no_show')));

UPDATE activities SET kind = 'lab_open_day'
WHERE kind NOT IN ('lab_open_day', 'certification_week', 'training');

UPDATE staff SET role = 'organiser' WHERE role IN ('organizer', 'Organiser', 'Organizer');
UPDATE staff SET role = 'lab_staff' WHERE role NOT IN ('organiser', 'lab_staff');

UPDATE sample_tests SET method = 'enzyme_inhibition'
WHERE method NOT IN ('enzyme_inhibition', 'colloidal_gold');
UPDATE sample_tests SET judgement = 'positive'
WHERE judgement NOT IN ('negative', 'suspicious', 'positive');

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
