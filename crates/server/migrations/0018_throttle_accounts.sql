-- A staff account's throttle counts (its wrong passwords from each client address, and from
-- every address together) also carry a keyed hash of the account, so that an organiser's
-- password reset or enabling the account forgets them all at once: the counts per address
-- are keyed by an address the organiser does not know. Other counts leave it empty.
ALTER TABLE throttles ADD COLUMN account_digest TEXT;

CREATE INDEX throttles_account_digest ON throttles (account_digest);
