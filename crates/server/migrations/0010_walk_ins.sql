-- Walk-ins and reserved places (issue 16, item 4). A session may keep some of its places
-- for people without a smartphone; staff book them at the door. Walk-ins are bookings
-- (checked in at once, name and phone optional) marked `walk_in`, and they count in
-- `booked` like every booking holding places; `walk_ins` counts their people, kept in step
-- in the same transaction. Vegetable samples registered by staff for a walk-in are marked
-- too.
--
-- The rule the database refuses to break (`Places::holds` in labday-domain): nobody past
-- capacity (already `booked <= capacity`), and the online bookings (`booked - walk_ins`)
-- never reach into the reserved places: `booked - walk_ins + max(reserved, walk_ins)`
-- sqlite:
-- stays within the capacity. SQLite cannot add a CHECK to a table, so BEFORE triggers
-- refuse the same rows (as in 0006_counts.sql).
-- end
-- postgres:
-- stays within the capacity.
-- end

ALTER TABLE sessions ADD COLUMN reserved_places {{int}} NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN walk_ins {{int}} NOT NULL DEFAULT 0;
-- postgres:
ALTER TABLE sessions
    ADD CONSTRAINT sessions_reserved_range CHECK (reserved_places BETWEEN 0 AND capacity),
    ADD CONSTRAINT sessions_walk_ins_range CHECK (walk_ins BETWEEN 0 AND booked),
    ADD CONSTRAINT sessions_online_outside_reserved
        CHECK (booked - walk_ins + GREATEST(reserved_places, walk_ins) <= capacity);

-- end
ALTER TABLE bookings ADD COLUMN walk_in {{bool}} NOT NULL DEFAULT {{false}};
ALTER TABLE samples ADD COLUMN walk_in {{bool}} NOT NULL DEFAULT {{false}};
-- sqlite:

-- A new session holds nobody yet: its reservation need only fit in its places.
CREATE TRIGGER sessions_places_insert BEFORE INSERT ON sessions
WHEN typeof(NEW.reserved_places) <> 'integer' OR NEW.walk_ins <> 0
  OR NEW.reserved_places NOT BETWEEN 0 AND NEW.capacity
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sessions places');
END;

CREATE TRIGGER sessions_places_update BEFORE UPDATE ON sessions
WHEN typeof(NEW.reserved_places) <> 'integer' OR typeof(NEW.walk_ins) <> 'integer'
  OR NEW.reserved_places NOT BETWEEN 0 AND NEW.capacity
  OR NEW.walk_ins NOT BETWEEN 0 AND NEW.booked
  OR NEW.booked - NEW.walk_ins + MAX(NEW.reserved_places, NEW.walk_ins) > NEW.capacity
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: sessions places');
END;
-- end
