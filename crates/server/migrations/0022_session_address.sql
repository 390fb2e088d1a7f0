-- Where a session is held when that is not its organiser's address (a quick-test desk at a
-- market); empty when it is. Before this column every session was placed at its
-- organiser's address.
ALTER TABLE sessions ADD COLUMN address_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address_en TEXT NOT NULL DEFAULT '';
