-- When a sample's holder withdrew it: erased their details before handing it in, while its
-- session was still to end (UTC, as `erased_at`). A withdrawn sample leaves the registered
-- counts of the boards and the organiser's figures; before this column it stayed in them.
ALTER TABLE samples ADD COLUMN withdrawn_at {{timestamp}};
-- The holders' erasures made before: a sample never handed in, erased before its session's
-- end. Retention erases only long after the end; a holder's erasure within the venue's UTC
-- offset of the end may be read either way.
UPDATE samples SET withdrawn_at = erased_at
    WHERE erased_at IS NOT NULL AND received_at IS NULL
    AND session_id IN (SELECT s.id FROM sessions s WHERE s.ends_at > samples.erased_at);
