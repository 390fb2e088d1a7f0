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
-- stays within the capacity.

ALTER TABLE sessions ADD COLUMN reserved_places BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN walk_ins BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions
    ADD CONSTRAINT sessions_reserved_range CHECK (reserved_places BETWEEN 0 AND capacity),
    ADD CONSTRAINT sessions_walk_ins_range CHECK (walk_ins BETWEEN 0 AND booked),
    ADD CONSTRAINT sessions_online_outside_reserved
        CHECK (booked - walk_ins + GREATEST(reserved_places, walk_ins) <= capacity);

ALTER TABLE bookings ADD COLUMN walk_in BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE samples ADD COLUMN walk_in BOOLEAN NOT NULL DEFAULT FALSE;
