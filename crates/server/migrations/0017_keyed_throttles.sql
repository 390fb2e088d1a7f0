-- Throttle keys were plain SHA-256 digests of a scope and a code, a username or a client
-- address: trying the 2^32 IPv4 addresses told who had asked. They are keyed hashes under
-- the server secret now, so the old rows can never match a new attempt again: they go here
-- rather than linger until their window ends (a day at most).
DELETE FROM throttles;
