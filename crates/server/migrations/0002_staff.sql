-- Staff accounts, their sign-in sessions, check-in counts and the audit log.

CREATE TABLE staff (
    id              {{id}},
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL DEFAULT '',
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL,
    organisation_id {{int}} REFERENCES organisations(id),
    created_at      {{timestamp}} NOT NULL
);

-- Only a digest of each session token is kept: a copied database signs nobody in.
CREATE TABLE staff_sessions (
    token_digest TEXT PRIMARY KEY,
    staff_id     {{int}} NOT NULL REFERENCES staff(id),
    expires_at   {{timestamp}} NOT NULL
);

CREATE TABLE audit_log (
    id       {{id}},
    staff_id {{int}} NOT NULL REFERENCES staff(id),
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    at       {{timestamp}} NOT NULL
);

ALTER TABLE bookings ADD COLUMN checked_in {{int}} NOT NULL DEFAULT 0;
