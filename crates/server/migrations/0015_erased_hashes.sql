-- An erased booking kept its phone's keyed hash until the no-show window had passed, and the
-- key is in the same database: a copy of it gave back every erased phone by trying all the
-- numbers. Only a no-show's hash is ever read after erasure (the no-show pause), so erasure
-- now keeps it on no-shows alone; the bookings erased before lose theirs here.
UPDATE bookings SET phone_hash = NULL
    WHERE erased_at IS NOT NULL AND phone_hash IS NOT NULL AND status <> 'no_show';
