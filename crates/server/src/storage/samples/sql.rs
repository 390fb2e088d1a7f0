//! The sample statements, written once for both databases with `?` placeholders.

pub(super) const SAMPLE_SELECT: &str = "SELECT m.id, m.session_id, m.code, m.variety, \
    m.variety_other, m.bought_at, m.bought_on, m.name, m.phone, m.registered_at, m.received_at, \
    m.walk_in, s.title_zh, s.title_en, s.place_zh, s.place_en, \
    s.address_zh AS held_at_zh, s.address_en AS held_at_en, s.starts_at, \
    a.title_zh AS activity_title_zh, a.title_en AS activity_title_en, \
    o.name_zh AS org_name_zh, o.name_en AS org_name_en, m.erased_at, s.ends_at, \
    o.utc_offset_minutes, s.status AS session_status \
    FROM samples m JOIN sessions s ON s.id = m.session_id \
    JOIN activities a ON a.id = s.activity_id JOIN organisations o ON o.id = a.organisation_id";

pub(super) const TEST_SELECT: &str = "SELECT t.id, t.sample_id, t.method, t.inhibition_tenths, \
    t.pesticide, t.strip, t.judgement, t.tested_at, t.corrects, t.superseded_by, \
    st.display_name AS tester FROM sample_tests t JOIN staff st ON st.id = t.tested_by";

/// What registration checks of a session (`SessionForRegistration`); the session's row
/// lock is appended.
pub(super) const SESSION_FOR_REGISTRATION: &str =
    "SELECT s.format, s.status, s.booking_opens_at, s.starts_at, s.ends_at, \
    o.utc_offset_minutes FROM sessions s JOIN activities a ON a.id = s.activity_id \
    JOIN organisations o ON o.id = a.organisation_id WHERE s.id = ?";

pub(super) const SAMPLES_BY_IDEMPOTENCY_KEY: &str =
    "SELECT session_id, request_digest FROM samples WHERE idempotency_key = ? ORDER BY id LIMIT 1";
/// By the phone's keyed hash, like the booking rules.
pub(super) const SAMPLES_OF_PHONE: &str =
    "SELECT COUNT(*) FROM samples WHERE session_id = ? AND phone_hash = ?";
pub(super) const INSERT_SAMPLE: &str = "INSERT INTO samples (session_id, code, variety, \
    variety_other, bought_at, bought_on, name, phone, phone_hash, registered_at, consent_at, \
    idempotency_key, request_digest, received_at, walk_in, lang) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

pub(super) const SAMPLE_ORGANISATION: &str = "SELECT a.organisation_id FROM samples m \
    JOIN sessions s ON s.id = m.session_id JOIN activities a ON a.id = s.activity_id \
    WHERE m.code = ?";
/// `SampleForChange` of a sample about to change; its row lock is appended.
pub(super) const SAMPLE_FOR_CHANGE: &str =
    "SELECT id, session_id, received_at, erased_at FROM samples WHERE code = ?";
pub(super) const RECEIVE_SAMPLE: &str = "UPDATE samples SET received_at = ? WHERE id = ?";
/// A sample's current tests, in order: `samples::CurrentTest`.
pub(in crate::storage) const CURRENT_TESTS: &str =
    "SELECT id, method, pesticide, judgement FROM sample_tests \
    WHERE sample_id = ? AND superseded_by IS NULL ORDER BY id";
pub(super) const TEST_TO_CORRECT: &str =
    "SELECT COUNT(*) FROM sample_tests WHERE id = ? AND sample_id = ? AND superseded_by IS NULL";
pub(super) const INSERT_TEST: &str = "INSERT INTO sample_tests (sample_id, method, \
    inhibition_tenths, pesticide, strip, judgement, tested_by, tested_at, corrects) \
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
pub(super) const SUPERSEDE_TEST: &str = "UPDATE sample_tests SET superseded_by = ? WHERE id = ?";

pub(super) const SESSION_EXISTS: &str = "SELECT COUNT(*) FROM sessions WHERE id = ?";
pub(super) const ACTIVITY_EXISTS: &str = "SELECT COUNT(*) FROM activities WHERE id = ?";
/// `TallySampleRow` of the samples in scope.
/// A sample never handed in to a session that was cancelled is not counted at all: it was
/// never going to be tested, as the cancelled session's bookings count for nothing either.
/// Nor is one its holder withdrew.
pub(super) const TALLY_SAMPLES: &str = "SELECT m.id, s.activity_id, m.variety, \
    CAST(CASE WHEN m.received_at IS NULL THEN 0 ELSE 1 END AS BIGINT) \
    FROM samples m JOIN sessions s ON s.id = m.session_id JOIN activities a ON a.id = s.activity_id \
    WHERE (m.received_at IS NOT NULL OR s.status <> 'cancelled') AND m.withdrawn_at IS NULL";
/// `(sample id, judgement)` of the current (not corrected) tests in scope, in test order.
pub(super) const TALLY_TESTS: &str = "SELECT t.sample_id, t.judgement FROM sample_tests t \
    JOIN samples m ON m.id = t.sample_id JOIN sessions s ON s.id = m.session_id \
    JOIN activities a ON a.id = s.activity_id WHERE t.superseded_by IS NULL";
/// The organisation filter of the organiser's figures: one organisation and everything under
/// it, or all (`NULL`); the statement starts with `organisations::REACH`.
pub(super) const OF_ORGANISATION: &str = "a.organisation_id IN (SELECT id FROM reach)";

/// Everything that names the holder, the phone's keyed hash too: it only serves the
/// per-session sample limit, and the session is over. And all the holder typed besides:
/// where it was bought and a vegetable's own name (`other`), free text that may hold
/// anything (a phone number, a name); no figure reads them (the board counts an erased
/// `other` as "other").
pub(super) const ERASE_SAMPLE_HOLDERS: &str =
    "UPDATE samples SET name = NULL, phone = NULL, phone_hash = NULL, request_digest = NULL, \
    idempotency_key = NULL, variety_other = '', bought_at = '', erased_at = ? \
    WHERE erased_at IS NULL AND session_id IN (SELECT id FROM sessions WHERE ends_at < ?)";
/// `(id, session_id)` of a sample by its code and the whole phone it was registered with;
/// its row lock is appended.
pub(super) const HOLDER_SAMPLE: &str =
    "SELECT id, session_id FROM samples WHERE code = ? AND phone = ?";
/// [`ERASE_SAMPLE_HOLDERS`] for one sample its holder erases, and when it was withdrawn
/// (`NULL` unless the erasure withdraws it: `sample::withdraws`).
pub(super) const ERASE_SAMPLE_HOLDER: &str =
    "UPDATE samples SET name = NULL, phone = NULL, phone_hash = NULL, request_digest = NULL, \
    idempotency_key = NULL, variety_other = '', bought_at = '', erased_at = ?, \
    withdrawn_at = ? WHERE id = ?";
/// The idempotency record of every sample registered with the one about to be erased: a
/// retry of that registration is then a new one, not half of the first.
pub(super) const FORGET_REGISTRATION_RETRIES: &str =
    "UPDATE samples SET idempotency_key = NULL, request_digest = NULL \
    WHERE idempotency_key = (SELECT idempotency_key FROM samples WHERE id = ?)";
