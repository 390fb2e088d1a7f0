-- An erased sample kept what its holder typed besides the name and phone: where it was bought
-- and a vegetable's own name (`other`), free text that may hold anything (a phone number, a
-- name). Erasure now empties both; the samples erased before lose them here.
UPDATE samples SET variety_other = '', bought_at = ''
    WHERE erased_at IS NOT NULL AND (variety_other <> '' OR bought_at <> '');
