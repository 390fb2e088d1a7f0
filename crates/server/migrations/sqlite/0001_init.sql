-- labday schema, SQLite. Times are venue-local wall-clock times ('YYYY-MM-DD HH:MM:SS');
-- each organisation says how far east of UTC its venues are.

CREATE TABLE organisations (
    id                 INTEGER PRIMARY KEY,
    name_zh            TEXT NOT NULL,
    name_en            TEXT NOT NULL DEFAULT '',
    city_zh            TEXT NOT NULL,
    city_en            TEXT NOT NULL DEFAULT '',
    address_zh         TEXT NOT NULL DEFAULT '',
    address_en         TEXT NOT NULL DEFAULT '',
    contact            TEXT NOT NULL DEFAULT '',
    utc_offset_minutes INTEGER NOT NULL DEFAULT 480
);

CREATE TABLE activities (
    id              INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations(id),
    kind            TEXT NOT NULL,
    title_zh        TEXT NOT NULL,
    title_en        TEXT NOT NULL DEFAULT '',
    description_zh  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    safety_zh       TEXT NOT NULL DEFAULT '',
    safety_en       TEXT NOT NULL DEFAULT '',
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL
);

CREATE TABLE sessions (
    id                INTEGER PRIMARY KEY,
    activity_id       INTEGER NOT NULL REFERENCES activities(id),
    format            TEXT NOT NULL,
    title_zh          TEXT NOT NULL DEFAULT '',
    title_en          TEXT NOT NULL DEFAULT '',
    place_zh          TEXT NOT NULL DEFAULT '',
    place_en          TEXT NOT NULL DEFAULT '',
    join_link         TEXT,
    starts_at         TEXT NOT NULL,
    ends_at           TEXT NOT NULL,
    capacity          INTEGER NOT NULL CHECK (capacity >= 0),
    per_booking_limit INTEGER NOT NULL CHECK (per_booking_limit >= 1),
    booking_opens_at  TEXT NOT NULL,
    booking_closes_at TEXT NOT NULL,
    cancel_deadline   TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'scheduled',
    -- People in confirmed / checked-in bookings and in waiting ones, kept in step with
    -- bookings inside the same transaction.
    booked            INTEGER NOT NULL DEFAULT 0,
    waiting           INTEGER NOT NULL DEFAULT 0,
    CHECK (booked <= capacity)
);
CREATE INDEX sessions_activity ON sessions(activity_id, starts_at);

CREATE TABLE bookings (
    id              INTEGER PRIMARY KEY,
    session_id      INTEGER NOT NULL REFERENCES sessions(id),
    code            TEXT NOT NULL UNIQUE,
    -- Personal fields: erased (NULL) after the retention period.
    name            TEXT,
    phone           TEXT,
    adults          INTEGER NOT NULL,
    children        INTEGER NOT NULL,
    status          TEXT NOT NULL,
    -- Venue-local date of the session, for the per-phone daily limit.
    session_day     TEXT NOT NULL,
    booked_at       TEXT NOT NULL,
    consent_at      TEXT NOT NULL,
    cancelled_at    TEXT,
    erased_at       TEXT,
    idempotency_key TEXT UNIQUE,
    request_digest  TEXT
);
CREATE INDEX bookings_session ON bookings(session_id, status, id);
CREATE INDEX bookings_phone ON bookings(phone, session_day);
CREATE UNIQUE INDEX bookings_one_per_phone_per_session
    ON bookings(session_id, phone) WHERE phone IS NOT NULL AND status IN ('confirmed', 'waitlisted', 'checked_in');
