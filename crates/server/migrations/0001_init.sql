-- sqlite:
-- labday schema, SQLite. Times are venue-local wall-clock times ('YYYY-MM-DD HH:MM:SS');
-- each organisation says how far east of UTC its venues are.
-- end
-- postgres:
-- labday schema, PostgreSQL. The same tables and columns as the SQLite schema, so both
-- implementations share their row shapes. Times are venue-local wall-clock times
-- (TIMESTAMP WITHOUT TIME ZONE); each organisation says how far east of UTC its venues are.
-- end

CREATE TABLE organisations (
    id                 {{id}},
    name_zh            TEXT NOT NULL,
    name_en            TEXT NOT NULL DEFAULT '',
    city_zh            TEXT NOT NULL,
    city_en            TEXT NOT NULL DEFAULT '',
    address_zh         TEXT NOT NULL DEFAULT '',
    address_en         TEXT NOT NULL DEFAULT '',
    contact            TEXT NOT NULL DEFAULT '',
    utc_offset_minutes {{int}} NOT NULL DEFAULT 480
);

CREATE TABLE activities (
    id              {{id}},
    organisation_id {{int}} NOT NULL REFERENCES organisations(id),
    kind            TEXT NOT NULL,
    title_zh        TEXT NOT NULL,
    title_en        TEXT NOT NULL DEFAULT '',
    description_zh  TEXT NOT NULL DEFAULT '',
    description_en  TEXT NOT NULL DEFAULT '',
    safety_zh       TEXT NOT NULL DEFAULT '',
    safety_en       TEXT NOT NULL DEFAULT '',
    starts_on       {{date}} NOT NULL,
    ends_on         {{date}} NOT NULL
);
-- postgres:
CREATE INDEX activities_ends_on ON activities(ends_on);
-- end

CREATE TABLE sessions (
    id                {{id}},
    activity_id       {{int}} NOT NULL REFERENCES activities(id),
    format            TEXT NOT NULL,
    title_zh          TEXT NOT NULL DEFAULT '',
    title_en          TEXT NOT NULL DEFAULT '',
    place_zh          TEXT NOT NULL DEFAULT '',
    place_en          TEXT NOT NULL DEFAULT '',
    join_link         TEXT,
    starts_at         {{timestamp}} NOT NULL,
    ends_at           {{timestamp}} NOT NULL,
    capacity          {{int}} NOT NULL CHECK (capacity >= 0),
    per_booking_limit {{int}} NOT NULL CHECK (per_booking_limit >= 1),
    booking_opens_at  {{timestamp}} NOT NULL,
    booking_closes_at {{timestamp}} NOT NULL,
    cancel_deadline   {{timestamp}} NOT NULL,
    status            TEXT NOT NULL DEFAULT 'scheduled',
    -- People in confirmed / checked-in bookings and in waiting ones, kept in step with
-- sqlite:
    -- bookings inside the same transaction.
-- end
-- postgres:
    -- bookings inside the same transaction, which holds this row's lock (FOR UPDATE).
-- end
    booked            {{int}} NOT NULL DEFAULT 0,
    waiting           {{int}} NOT NULL DEFAULT 0,
    CHECK (booked <= capacity)
);
CREATE INDEX sessions_activity ON sessions(activity_id, starts_at);

CREATE TABLE bookings (
    id              {{id}},
    session_id      {{int}} NOT NULL REFERENCES sessions(id),
    code            TEXT NOT NULL UNIQUE,
    -- Personal fields: erased (NULL) after the retention period.
    name            TEXT,
    phone           TEXT,
    adults          {{int}} NOT NULL,
    children        {{int}} NOT NULL,
    status          TEXT NOT NULL,
    -- Venue-local date of the session, for the per-phone daily limit.
    session_day     {{date}} NOT NULL,
    booked_at       {{timestamp}} NOT NULL,
    consent_at      {{timestamp}} NOT NULL,
    cancelled_at    {{timestamp}},
    erased_at       {{timestamp}},
-- sqlite:
    idempotency_key TEXT UNIQUE,
    request_digest  TEXT
-- end
-- postgres:
    idempotency_key TEXT,
    request_digest  TEXT,
    CONSTRAINT bookings_idempotency_key UNIQUE (idempotency_key)
-- end
);
CREATE INDEX bookings_session ON bookings(session_id, status, id);
CREATE INDEX bookings_phone ON bookings(phone, session_day);
CREATE UNIQUE INDEX bookings_one_per_phone_per_session
    ON bookings(session_id, phone) WHERE phone IS NOT NULL AND status IN ('confirmed', 'waitlisted', 'checked_in');
