-- Each session's and activity's revision: how many times its details were saved. The console
-- sends the revision it showed (`If-Match`) with a change, so a change made meanwhile by
-- someone else is refused rather than silently undone (a second save used to overwrite the
-- first, and a session's holders got two texts that contradicted each other).
ALTER TABLE sessions ADD COLUMN revision {{int}} NOT NULL DEFAULT 0;
ALTER TABLE activities ADD COLUMN revision {{int}} NOT NULL DEFAULT 0;
