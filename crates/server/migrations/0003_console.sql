-- The staff console: press and web coverage of activities for the written summary, and
-- an index for reading the audit log by staff member.

CREATE TABLE media_items (
    id           {{id}},
    activity_id  {{int}} NOT NULL REFERENCES activities(id),
    link         TEXT NOT NULL,
    outlet       TEXT NOT NULL,
    headline     TEXT NOT NULL DEFAULT '',
    published_on {{date}} NOT NULL,
    added_by     {{int}} NOT NULL REFERENCES staff(id),
    added_at     {{timestamp}} NOT NULL
);
CREATE INDEX media_items_activity ON media_items(activity_id, published_on);
CREATE INDEX audit_log_staff ON audit_log(staff_id);
