-- At scale (issue 19, item 3), as PostgreSQL's 0013. The dispatcher expires undelivered
-- messages every second (`UPDATE outbox ... WHERE status = 'pending' AND expires_at <= ?`).
-- By `outbox_due (status, next_attempt_at)` that read every pending message each time, and
-- with no SMS provider configured every confirmation stays pending until its session starts,
-- so the rows read grew with the bookings. This index holds only the pending messages, by
-- expiry: a run reads only what expires.
-- `status` leads (though always 'pending') so that SQLite, with no statistics, prefers it to
-- `outbox_due`'s equal `status`.
CREATE INDEX outbox_pending_expiry ON outbox (status, expires_at) WHERE status = 'pending';
