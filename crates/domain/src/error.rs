//! The one error shape every API call returns on failure: `{"code","message","fields"}`,
//! and for `wrong_session` the id of the session the code belongs to (`elsewhere`).
//! `code` is stable and machine-readable so the front end can show the message in the
//! reader's language; `message` is a plain English fallback; `fields` maps form fields to
//! per-field codes so errors can sit beside the input that caused them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

wire_enum! {
    /// Stable error codes. Each documents the HTTP status the server answers with.
    pub enum ErrorCode {
        /// 400 — the request body or query could not be read at all.
        BadRequest = "bad_request",
        /// 413 — the request body is larger than the API reads (2 MiB for a JSON body).
        PayloadTooLarge = "payload_too_large",
        /// 422 — one or more fields are invalid; see `fields`.
        Invalid = "invalid",
        /// 404 — no such activity, session or booking (also for a wrong code/phone pair).
        NotFound = "not_found",
        /// 405 — the path exists, but not with this method (`Allow` lists the ones it takes).
        MethodNotAllowed = "method_not_allowed",
        /// 409 — the booking window is not open (not yet, or already closed).
        WindowClosed = "window_closed",
        /// 409 — this phone already holds a booking in this session.
        DuplicateBooking = "duplicate_booking",
        /// 409 — this phone would exceed the per-day people limit.
        DailyLimit = "daily_limit",
        /// 409 — party larger than the session allows per booking.
        PartyTooLarge = "party_too_large",
        /// 409 — too late to cancel.
        CancelDeadlinePassed = "cancel_deadline_passed",
        /// 409 — the booking is already cancelled.
        AlreadyCancelled = "already_cancelled",
        /// 409 — the session was cancelled by the organiser.
        SessionCancelled = "session_cancelled",
        /// 403 — bookings blocked for this phone after repeated no-shows.
        NoShowBlocked = "no_show_blocked",
        /// 409 — the same Idempotency-Key was reused with a different request.
        IdempotencyMismatch = "idempotency_mismatch",
        /// 401 — staff endpoint without a valid staff session (or wrong sign-in).
        Unauthorized = "unauthorized",
        /// 403 — signed in, but this is another organisation's.
        Forbidden = "forbidden",
        /// 409 — the booking belongs to another session.
        WrongSession = "wrong_session",
        /// 409 — the booking is on the waiting list, not confirmed.
        NotConfirmed = "not_confirmed",
        /// 409 — everyone in the party has already checked in.
        AlreadyCheckedIn = "already_checked_in",
        /// 409 — no-shows can be marked only after the session has ended.
        SessionNotOver = "session_not_over",
        /// 409 — on its venue's clock the session has begun (its times stay) or is over (it
        /// can no longer be cancelled either); nor does a session move to times already
        /// over.
        SessionOver = "session_over",
        /// 409 — the booking still holds or waits for a place: its holder's details can be
        /// erased once it is cancelled or the day of its session is over.
        StillBooked = "still_booked",
        /// 409 — the lab holds the sample and may still test it or correct its result until
        /// its session is over (and its re-tests are done): its holder's details can be
        /// erased then.
        StillTesting = "still_testing",
        /// 409 — the sample's holder details were erased before it was handed in (its holder
        /// withdrew it, or its records are past retention): it is not received; register it
        /// again (a walk-in at the bench).
        Withdrawn = "withdrawn",
        /// 409 — visitors are checked in, walk-ins booked and samples received from the
        /// session's day (on its venue's clock), not before.
        BeforeSessionDay = "before_session_day",
        /// 412 — the `If-Match` of a change names a revision the item no longer has: someone
        /// saved it meanwhile. Nothing changed; read it again and redo the change.
        EditedMeanwhile = "edited_meanwhile",
        /// 409 — that username is taken.
        UsernameTaken = "username_taken",
        /// 409 — a session's capacity cannot go below the people already booked on it and the
        /// reserved places still open for walk-ins.
        CapacityBelowBooked = "capacity_below_booked",
        /// 409 — no place left: for a walk-in, the session is full to its capacity; for a
        /// booking moved without accepting a waiting place, the session has no place free.
        SessionFull = "session_full",
        /// 409 — a booking moves only to another session of the same activity.
        OtherActivity = "other_activity",
        /// 409 — samples can be registered only on a quick-test session.
        NotQuickTest = "not_quick_test",
        /// 409 — this phone has registered as many samples on this session as allowed.
        SampleLimit = "sample_limit",
        /// 409 — a sample must be received before a result is entered.
        NotReceived = "not_received",
        /// 403 — the account is disabled: the password was right, but it signs nobody in.
        AccountDisabled = "account_disabled",
        /// 403 — the password was reset by an organiser: choose a new one
        /// (`PUT /api/v1/staff/me/password`) before anything else.
        PasswordChangeRequired = "password_change_required",
        /// 409 — an organiser cannot disable their own account.
        OwnAccount = "own_account",
        /// 429 — too many requests; try again later.
        TooManyRequests = "too_many_requests",
        /// 503 — the server is too busy or its database does not answer; try again after the
        /// `Retry-After` seconds. A booking answered this way may still have been made:
        /// retry with the same `Idempotency-Key`.
        Unavailable = "unavailable",
        /// 500 — something went wrong on the server; details are in its log, not here.
        Internal = "internal",
        /// Client side only: the server could not be reached.
        Network = "network",
    }
}

impl ErrorCode {
    /// The HTTP status the server uses for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Invalid => 422,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::NoShowBlocked
            | ErrorCode::Forbidden
            | ErrorCode::AccountDisabled
            | ErrorCode::PasswordChangeRequired => 403,
            ErrorCode::Unauthorized => 401,
            ErrorCode::EditedMeanwhile => 412,
            ErrorCode::TooManyRequests => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal | ErrorCode::Network => 500,
            ErrorCode::WindowClosed
            | ErrorCode::DuplicateBooking
            | ErrorCode::DailyLimit
            | ErrorCode::PartyTooLarge
            | ErrorCode::CancelDeadlinePassed
            | ErrorCode::AlreadyCancelled
            | ErrorCode::SessionCancelled
            | ErrorCode::IdempotencyMismatch
            | ErrorCode::WrongSession
            | ErrorCode::NotConfirmed
            | ErrorCode::AlreadyCheckedIn
            | ErrorCode::SessionNotOver
            | ErrorCode::StillBooked
            | ErrorCode::StillTesting
            | ErrorCode::Withdrawn
            | ErrorCode::SessionOver
            | ErrorCode::BeforeSessionDay
            | ErrorCode::UsernameTaken
            | ErrorCode::CapacityBelowBooked
            | ErrorCode::SessionFull
            | ErrorCode::OtherActivity
            | ErrorCode::NotQuickTest
            | ErrorCode::SampleLimit
            | ErrorCode::NotReceived
            | ErrorCode::OwnAccount => 409,
        }
    }
}

wire_enum! {
    /// Why one field of a request is refused: the values of `ApiError.fields`. The front end
    /// shows each in the reader's language (`src/i18n.rs`, `src/staff/i18n.rs`, each an
    /// exhaustive match, so a new code needs its words before anything compiles).
    pub enum FieldCode {
        /// Anything else wrong with the value (also the front end's own checks).
        Invalid = "invalid",
        /// A field for a count holds something that is not a whole number of 0 or more
        /// ("-1", "2.5"): the console's own check, made before anything is sent.
        NotACount = "not_a_count",
        /// Text longer than its field allows.
        TextTooLong = "text_too_long",
        /// Text with characters that cannot be used (controls, bidirectional overrides).
        TextInvalid = "text_invalid",
        /// Not a date in service (2000–2999), not a date at all, or a leap second (`…:60`).
        DateInvalid = "date_invalid",
        NameRequired = "name_required",
        NameTooLong = "name_too_long",
        NameInvalid = "name_invalid",
        PhoneInvalid = "phone_invalid",
        AdultRequired = "adult_required",
        PartyTooLarge = "party_too_large",
        /// A number of people that must be at least 1 (those checked in at once) is 0.
        PeopleRequired = "people_required",
        ConsentRequired = "consent_required",
        /// Not a booking or sample code.
        CodeInvalid = "code_invalid",
        VarietyRequired = "variety_required",
        BoughtAtRequired = "bought_at_required",
        DateInFuture = "date_in_future",
        BoughtTooLongAgo = "bought_too_long_ago",
        SamplesRequired = "samples_required",
        TooManySamples = "too_many_samples",
        Last4Invalid = "last4_invalid",
        PercentInvalid = "percent_invalid",
        PesticideRequired = "pesticide_required",
        StripRequired = "strip_required",
        /// An organiser account on the creator's own bureau: made from the bureau above.
        FellowOrganiser = "fellow_organiser",
        /// `corrects` names no current test of this sample.
        CorrectionInvalid = "correction_invalid",
        /// A test by another method, or a strip for another pesticide, than the sample's
        /// other tests: a re-test repeats the first test (an enzyme test cannot clear what a
        /// strip found, nor one pesticide's strip another's).
        RetestDiffers = "retest_differs",
        /// The sample's result is final: a new test would quietly overturn it; a mistaken
        /// test is corrected instead.
        ResultFinal = "result_final",
        TitleRequired = "title_required",
        TitleTooLong = "title_too_long",
        EndBeforeStart = "end_before_start",
        /// A span of time longer than allowed (an activity's days, a session's hours, a
        /// series' dates, a window's minutes). Too-long text is `text_too_long`.
        SpanTooLong = "too_long",
        PlaceRequired = "place_required",
        JoinLinkRequired = "join_link_required",
        JoinLinkInvalid = "join_link_invalid",
        LinkInvalid = "link_invalid",
        CapacityInvalid = "capacity_invalid",
        LimitInvalid = "limit_invalid",
        LimitAboveCapacity = "limit_above_capacity",
        /// Capacity below the people already booked (the console's own check).
        CapacityBelowBooked = "capacity_below_booked",
        WindowEmpty = "window_empty",
        ClosesAfterStart = "closes_after_start",
        DeadlineAfterStart = "deadline_after_start",
        InPast = "in_past",
        /// A new activity's last day is already over on its venue's clock (a year typed
        /// wrong would make an activity nobody can book).
        AlreadyOver = "already_over",
        InFuture = "in_future",
        OutletRequired = "outlet_required",
        UsernameInvalid = "username_invalid",
        PasswordTooShort = "password_too_short",
        PasswordTooLong = "password_too_long",
        /// Long enough, but among the first a guesser tries: one character or a few over
        /// and over, a run along the keyboard or the alphabet, a well-known password, or
        /// the username inside it ([`crate::staff::check_password`]).
        PasswordWeak = "password_weak",
        OrganisationRequired = "organisation_required",
        OrganisationUnexpected = "organisation_unexpected",
        OrganisationUnknown = "organisation_unknown",
        /// An organisation of this kind cannot sit there: under its parent's kind, above one
        /// of its children's, or (for an organiser's `organisation_id`) not a bureau.
        KindNotAllowed = "kind_not_allowed",
        /// An organisation's new kind does not fit one of its staff accounts (lab staff of a
        /// bureau, an organiser of a lab or institute), as account creation would refuse.
        KindHasStaff = "kind_has_staff",
        /// An organisation never moves: an edit names another parent than its own.
        ParentChanged = "parent_changed",
        /// The current password given to change it is not the account's.
        PasswordWrong = "password_wrong",
        /// The new password is the current one: a password an organiser set by a reset
        /// must really change, or whoever chose it keeps knowing it.
        PasswordUnchanged = "password_unchanged",
        CaptionRequired = "caption_required",
        PhotoRequired = "photo_required",
        PhotoType = "photo_type",
        PhotoTooLarge = "photo_too_large",
        /// The image is cut short (its data stops before the end its format marks) or, when
        /// the server must decode it to turn it upright, does not decode.
        PhotoDamaged = "photo_damaged",
        /// A photo stored on its side (its Exif orientation), turned upright and encoded
        /// again, is over the upload limit in every format it may be kept in (a JPEG down
        /// to quality 50; losslessly only, when it has transparency), though it was not as
        /// sent.
        PhotoTooLargeUpright = "photo_too_large_upright",
        WeekdaysInvalid = "weekdays_invalid",
        NoSessions = "no_sessions",
        TooManySessions = "too_many_sessions",
        LengthInvalid = "length_invalid",
        GapInvalid = "gap_invalid",
        /// More places reserved for walk-ins than the session has.
        ReservedAboveCapacity = "reserved_above_capacity",
        /// A session (or a series' dates) outside its activity's first and last days.
        OutsideActivity = "outside_activity",
        /// The activity holds a session (not cancelled) of the same title and place starting
        /// at the same time already: a form or a series sent twice.
        AlreadyScheduled = "already_scheduled",
        /// The organisation holds an activity of the same Chinese title starting on the
        /// same day already: a form sent twice.
        ActivityExists = "activity_exists",
        /// The parent organisation holds one of the same Chinese name already (`name`): a
        /// form sent twice.
        OrganisationExists = "organisation_exists",
        /// A quick-test session holds registered samples (`format`): it stays a quick test,
        /// since its samples are received and tested at its bench alone.
        HoldsSamples = "holds_samples",
        /// An activity that holds bookings or samples (`organisation_id`) stays with its
        /// organisation: its holders left their details with it.
        HoldsBookings = "holds_bookings",
        /// An activity's new first (`starts_on`) or last day (`ends_on`) would leave out one
        /// of its sessions that is not cancelled.
        SessionsOutside = "sessions_outside",
        /// Verified phones (`--verify-phones`): no code (or no token good for this phone).
        PhoneCodeRequired = "phone_code_required",
        /// Not six digits.
        PhoneCodeInvalid = "phone_code_invalid",
        /// Not the code sent to this phone.
        PhoneCodeWrong = "phone_code_wrong",
        /// The code expired, was used, or had its five tries: ask for a new one.
        PhoneCodeExpired = "phone_code_expired",
        /// A code was sent less than a minute ago (429, with `Retry-After`).
        PhoneCodeTooSoon = "phone_code_too_soon",
        /// Too many codes for this phone or from this client today or this hour (429).
        PhoneCodeLimit = "phone_code_limit",
    }
}

/// The error body of every failed API call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, FieldCode>,
    /// `wrong_session` only: the id of the session of the same organisation the code
    /// belongs to, so the desk can read it (`GET /api/v1/sessions/{id}`) and send its holder
    /// to the right door. A desk learns nothing of another organisation's codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elsewhere: Option<i64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            elsewhere: None,
        }
    }

    /// `wrong_session`, naming the session the code belongs to.
    pub fn elsewhere(message: impl Into<String>, session_id: i64) -> Self {
        Self {
            elsewhere: Some(session_id),
            ..Self::new(ErrorCode::WrongSession, message)
        }
    }

    /// Adds a per-field error code (e.g. `phone` → `phone_invalid`).
    pub fn with_field(mut self, field: &str, code: FieldCode) -> Self {
        self.fields.insert(field.to_owned(), code);
        self
    }

    /// `value` when no field was refused; this error, naming the refused ones, otherwise.
    pub fn unless_fields<T>(self, value: T) -> Result<T, ApiError> {
        if self.fields.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
