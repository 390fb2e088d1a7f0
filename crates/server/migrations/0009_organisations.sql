-- Organisations as a hierarchy (province → city → county bureaus, and the labs and
-- institutes under any of them), and staff accounts that can be run for a season.
-- Organisations that existed before stay at the top, as labs: an organiser re-parents
-- nothing by accident.

ALTER TABLE organisations ADD COLUMN parent_id {{int}} REFERENCES organisations(id);
ALTER TABLE organisations ADD COLUMN kind TEXT NOT NULL DEFAULT 'lab';
ALTER TABLE organisations ADD COLUMN county_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN county_en TEXT NOT NULL DEFAULT '';
CREATE INDEX organisations_parent ON organisations (parent_id);

-- A disabled account signs nobody in; its sessions end when it is disabled.
ALTER TABLE staff ADD COLUMN disabled_at {{timestamp}};
-- Set when an organiser resets the password: the holder must choose a new one first.
ALTER TABLE staff ADD COLUMN must_change_password {{bool}} NOT NULL DEFAULT {{false}};
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);
CREATE INDEX staff_sessions_expiry ON staff_sessions (expires_at);
