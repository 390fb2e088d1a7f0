-- Photos of activities for the written summary, with their captions. The image is kept in
-- the database (at most 5 MiB each, checked by the server), so one backup holds everything.

CREATE TABLE photos (
    id           {{id}},
    activity_id  {{int}} NOT NULL REFERENCES activities(id),
    caption      TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   {{int}} NOT NULL,
    image        {{bytes}} NOT NULL,
    added_by     {{int}} NOT NULL REFERENCES staff(id),
    added_at     {{timestamp}} NOT NULL
);
CREATE INDEX photos_activity ON photos(activity_id, id);
