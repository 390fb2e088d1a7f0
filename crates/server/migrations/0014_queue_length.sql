-- Each session's number of waiting bookings, kept by the database (issue 19). A booking batch
-- with someone joining a queue needs the queue's length before the batch, to tell each new
-- waiting booking its place. Counted, that read every waiting booking of the session in every
-- batch, so a booking cost more the longer the queue: with 15,500 waiting it was about 11 ms a
-- batch on PostgreSQL. Kept here, it is one column of the session row the batch reads anyway.
-- Triggers keep it, so no path that moves a booking into or out of a queue (booking, cancelling,
-- promotion, a move, a cancelled session, a deletion) can forget it. `waiting` counts people;
-- this counts bookings, as places in a queue do.
ALTER TABLE sessions ADD COLUMN queue_length {{int}} NOT NULL DEFAULT 0;

UPDATE sessions SET queue_length =
    (SELECT COUNT(*) FROM bookings b WHERE b.session_id = sessions.id AND b.status = 'waitlisted');

-- sqlite:
CREATE TRIGGER bookings_queue_join_insert AFTER INSERT ON bookings
WHEN NEW.status = 'waitlisted'
BEGIN
    UPDATE sessions SET queue_length = queue_length + 1 WHERE id = NEW.session_id;
END;

CREATE TRIGGER bookings_queue_leave_update AFTER UPDATE OF status, session_id ON bookings
WHEN OLD.status = 'waitlisted'
  AND (NEW.status IS NOT 'waitlisted' OR NEW.session_id IS NOT OLD.session_id)
BEGIN
    UPDATE sessions SET queue_length = queue_length - 1 WHERE id = OLD.session_id;
END;

CREATE TRIGGER bookings_queue_join_update AFTER UPDATE OF status, session_id ON bookings
WHEN NEW.status = 'waitlisted'
  AND (OLD.status IS NOT 'waitlisted' OR NEW.session_id IS NOT OLD.session_id)
BEGIN
    UPDATE sessions SET queue_length = queue_length + 1 WHERE id = NEW.session_id;
END;

CREATE TRIGGER bookings_queue_leave_delete AFTER DELETE ON bookings
WHEN OLD.status = 'waitlisted'
BEGIN
    UPDATE sessions SET queue_length = queue_length - 1 WHERE id = OLD.session_id;
END;
-- end
-- postgres:
CREATE FUNCTION bookings_queue_length() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'waitlisted' THEN
        UPDATE sessions SET queue_length = queue_length - 1 WHERE id = OLD.session_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'waitlisted' THEN
        UPDATE sessions SET queue_length = queue_length + 1 WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER bookings_queue_insert AFTER INSERT ON bookings
FOR EACH ROW WHEN (NEW.status = 'waitlisted') EXECUTE FUNCTION bookings_queue_length();

CREATE TRIGGER bookings_queue_update AFTER UPDATE OF status, session_id ON bookings
FOR EACH ROW WHEN ((OLD.status = 'waitlisted' OR NEW.status = 'waitlisted')
    AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.session_id IS DISTINCT FROM NEW.session_id))
EXECUTE FUNCTION bookings_queue_length();

CREATE TRIGGER bookings_queue_delete AFTER DELETE ON bookings
FOR EACH ROW WHEN (OLD.status = 'waitlisted') EXECUTE FUNCTION bookings_queue_length();
-- end
