-- Photos of activities for the written summary, with their captions. The image is kept in
-- the database (at most 5 MiB each, checked by the server), so one backup holds everything.

CREATE TABLE photos (
    id           INTEGER PRIMARY KEY,
    activity_id  INTEGER NOT NULL REFERENCES activities(id),
    caption      TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    image        BLOB NOT NULL,
    added_by     INTEGER NOT NULL REFERENCES staff(id),
    added_at     TEXT NOT NULL
);
CREATE INDEX photos_activity ON photos(activity_id, id);
