-- Throttles against guessing (booking and sample codes, staff passwords): attempts counted
-- per key within a fixed window. In the database rather than in memory so that every
-- server process on one PostgreSQL database counts against the same limits.
-- `key_digest` is the SHA-256 of the key (a code, a username, a client address), never the
-- key itself; rows whose window has passed are swept.
CREATE TABLE throttles (
    key_digest TEXT PRIMARY KEY,
    attempts BIGINT NOT NULL CHECK (attempts >= 0),
    -- Unix time in milliseconds: one integer type on both databases.
    window_ends BIGINT NOT NULL
);

CREATE INDEX throttles_window_ends ON throttles (window_ends);
