//! Bookings: who may book what, and what happens to places when they do or cancel.
//! The server applies these rules inside one transaction; the front end applies the same
//! field rules before sending so errors appear beside the field at once.

mod admission;
mod erasure;
mod reschedule;
pub use admission::{cancel, decide, PhoneFacts, Release, Rules, SessionFacts, Snapshot};
pub use erasure::{erase, Erasure};
pub use reschedule::{destinations, reschedule, Holding, Rescheduled, Target};

use crate::activity::Localised;
use crate::error::{ApiError, ErrorCode, FieldCode};
use crate::phone::Phone;
use crate::session::SessionView;
use crate::text::{self, Fault};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Longest holder name accepted, in characters.
pub const NAME_MAX_CHARS: usize = 40;

/// The holder's name as they typed it: trimmed, 1–40 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HolderName(String);

impl HolderName {
    pub fn parse(raw: &str) -> Result<HolderName, FieldCode> {
        match text::line(raw, NAME_MAX_CHARS) {
            Ok(name) => Ok(HolderName(name.to_owned())),
            Err(Fault::Missing) => Err(FieldCode::NameRequired),
            Err(Fault::TooLong) => Err(FieldCode::NameTooLong),
            Err(Fault::Control) => Err(FieldCode::NameInvalid),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First character and a star per remaining one (`张**`): how names appear in views.
    pub fn masked(&self) -> String {
        mask_name(&self.0)
    }
}

/// Masks a stored name: its first character, then one `*` per remaining character; a
/// one-character name (`孙`) is all masked (`*`), as its first character is the whole name.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.clone().next()) {
        (None, _) => String::new(),
        (Some(_), None) => "*".into(),
        (Some(first), Some(_)) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
    }
}

/// Upper bound on any party, whatever a session allows, so a typo cannot book a hall.
pub const PARTY_HARD_LIMIT: u32 = 20;

/// The people a booking brings: 1–[`PARTY_HARD_LIMIT`] adults and
/// 0–[`PARTY_HARD_LIMIT`] children, together no more than the session allows and never
/// more than [`PARTY_HARD_LIMIT`]. The fields are private and [`Party::parse`] is the only
/// way to make one, so a party that exists is a possible party: [`Party::people`] cannot
/// overflow, and nothing downstream has to check the counts again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party {
    adults: u8,
    children: u8,
}

/// Why counts of people are not a party. Each names the request field it belongs beside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyError {
    /// No adult: children come with an adult.
    AdultRequired,
    /// More adults than any party may have.
    TooManyAdults,
    /// More children than any party may have.
    TooManyChildren,
    /// Adults and children together exceed the session's per-booking limit.
    TooLarge,
}

impl PartyError {
    /// The request field the error belongs beside.
    pub fn field(self) -> &'static str {
        match self {
            PartyError::AdultRequired | PartyError::TooManyAdults => "adults",
            PartyError::TooManyChildren => "children",
            PartyError::TooLarge => "party",
        }
    }

    /// The error code the form shows.
    pub fn code(self) -> FieldCode {
        match self {
            PartyError::AdultRequired => FieldCode::AdultRequired,
            PartyError::TooManyAdults | PartyError::TooManyChildren | PartyError::TooLarge => {
                FieldCode::PartyTooLarge
            }
        }
    }
}

impl Party {
    /// Checks raw counts (as they arrive on the wire) against the hard limit and the
    /// session's per-booking limit. Any `u32` is safe to pass: nothing is added before
    /// both counts are known to be small.
    pub fn parse(adults: u32, children: u32, per_booking_limit: u32) -> Result<Party, PartyError> {
        let (adults, children) = match (u8::try_from(adults), u8::try_from(children)) {
            (Ok(0), _) => return Err(PartyError::AdultRequired),
            (Ok(a), _) if u32::from(a) > PARTY_HARD_LIMIT => return Err(PartyError::TooManyAdults),
            (Err(_), _) => return Err(PartyError::TooManyAdults),
            (_, Ok(c)) if u32::from(c) > PARTY_HARD_LIMIT => {
                return Err(PartyError::TooManyChildren)
            }
            (_, Err(_)) => return Err(PartyError::TooManyChildren),
            (Ok(a), Ok(c)) => (a, c),
        };
        let party = Party { adults, children };
        if party.people() > per_booking_limit.min(PARTY_HARD_LIMIT) {
            return Err(PartyError::TooLarge);
        }
        Ok(party)
    }

    pub fn adults(self) -> u32 {
        u32::from(self.adults)
    }

    pub fn children(self) -> u32 {
        u32::from(self.children)
    }

    /// Adults and children together: at most [`PARTY_HARD_LIMIT`].
    pub fn people(self) -> u32 {
        u32::from(self.adults) + u32::from(self.children)
    }
}

/// What a citizen sends to book a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingRequest {
    pub session_id: i64,
    pub name: String,
    pub phone: String,
    pub adults: u32,
    #[serde(default)]
    pub children: u32,
    /// The privacy notice was shown and accepted.
    pub consent: bool,
    /// The app's language when booking: the holder's text messages are written in it.
    #[serde(default)]
    pub lang: crate::message::Lang,
    /// With verified phones on: the token a right code was exchanged for
    /// (`POST /api/v1/phone-codes/check`), good for this phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_token: Option<String>,
}

/// A booking request whose fields passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidBooking {
    pub session_id: i64,
    pub name: HolderName,
    pub phone: Phone,
    pub party: Party,
    pub lang: crate::message::Lang,
}

impl BookingRequest {
    /// Field checks, all reported at once so the form can mark every wrong field.
    pub fn validate(&self, per_booking_limit: u32) -> Result<ValidBooking, ApiError> {
        let mut err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
        let name = HolderName::parse(&self.name).map_err(|c| err_field(&mut err, "name", c));
        let phone = Phone::parse(&self.phone).map_err(|c| err_field(&mut err, "phone", c));
        let party = Party::parse(self.adults, self.children, per_booking_limit)
            .map_err(|e| err_field(&mut err, e.field(), e.code()));
        if !self.consent {
            err.fields
                .insert("consent".into(), FieldCode::ConsentRequired);
        }
        match (name, phone, party) {
            (Ok(name), Ok(phone), Ok(party)) if err.fields.is_empty() => Ok(ValidBooking {
                session_id: self.session_id,
                name,
                phone,
                party,
                lang: self.lang,
            }),
            _ => Err(err),
        }
    }
}

fn err_field(err: &mut ApiError, field: &str, code: FieldCode) {
    err.fields.insert(field.to_owned(), code);
}

/// What a booking's status is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Confirmed,
    Waitlisted,
    Cancelled,
    CheckedIn,
    NoShow,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 5] = [
        BookingStatus::Confirmed,
        BookingStatus::Waitlisted,
        BookingStatus::Cancelled,
        BookingStatus::CheckedIn,
        BookingStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Waitlisted => "waitlisted",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::CheckedIn => "checked_in",
            BookingStatus::NoShow => "no_show",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Whether this booking holds places in its session.
    pub fn holds_places(self) -> bool {
        matches!(self, BookingStatus::Confirmed | BookingStatus::CheckedIn)
    }
}

/// Confirm when the whole party fits in what is left; otherwise wait.
pub fn admit(capacity: u32, booked: u32, party: Party) -> BookingStatus {
    // In u64, so a counter near u32::MAX (a bug elsewhere) cannot wrap into "fits".
    if u64::from(booked) + u64::from(party.people()) <= u64::from(capacity) {
        BookingStatus::Confirmed
    } else {
        BookingStatus::Waitlisted
    }
}

/// Which waiting bookings to confirm when places free up: in order of joining, every one
/// whose party fits in what is still free (a big party does not block smaller ones behind).
pub fn promotions<Id: Copy>(free: u32, waiting: &[(Id, u32)]) -> Vec<Id> {
    let mut left = free;
    let mut promoted = Vec::new();
    for &(id, people) in waiting {
        if let Some(rest) = left.checked_sub(people) {
            left = rest;
            promoted.push(id);
        }
    }
    promoted
}

/// How many people one phone may book per day across all sessions (default 5).
pub fn within_daily_limit(already_booked_that_day: u32, party: Party, limit: u32) -> bool {
    u64::from(already_booked_that_day) + u64::from(party.people()) <= u64::from(limit)
}

/// The no-show rule: `count` no-shows at most `within_days` apart pause a phone's bookings for
/// `block_days` after the latest of them, whatever today's date (the booking form states it
/// so). Any of the three at 0: no rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoShowPolicy {
    pub count: u32,
    pub within_days: i64,
    pub block_days: i64,
}

impl Default for NoShowPolicy {
    fn default() -> Self {
        Self {
            count: 3,
            within_days: 180,
            block_days: 60,
        }
    }
}

impl NoShowPolicy {
    /// Whether the rule pauses anything at all.
    pub fn applies(&self) -> bool {
        self.count > 0 && self.within_days > 0 && self.block_days > 0
    }

    /// The date until which a phone is paused, given the session dates of its no-shows: the
    /// latest end of a pause that a run of `count` of them, the first and the last at most
    /// `within_days` apart, started on its last day.
    pub fn blocked_until(&self, no_shows: &[NaiveDate], today: NaiveDate) -> Option<NaiveDate> {
        if !self.applies() {
            return None;
        }
        let n = usize::try_from(self.count).ok()?;
        let mut past: Vec<NaiveDate> = no_shows.iter().copied().filter(|d| *d <= today).collect();
        past.sort();
        let until = past
            .windows(n)
            .filter(|run| (run[n - 1] - run[0]).num_days() <= self.within_days)
            .map(|run| run[n - 1] + Duration::days(self.block_days))
            .max()?;
        (until > today).then_some(until)
    }

    /// Days after its session that a no-show's phone hash must outlive for the rule to read
    /// it: while a run it begins may still end a pause after today.
    pub fn reads_for_days(&self) -> i64 {
        if self.applies() {
            self.within_days.saturating_add(self.block_days)
        } else {
            0
        }
    }
}

/// Whether a booking can still be cancelled: before the session's deadline only.
pub fn can_cancel(now: NaiveDateTime, deadline: NaiveDateTime) -> bool {
    now < deadline
}

/// Alphabet of booking codes: no 0/O, 1/I/L, so a code can be read aloud or typed from paper.
pub const CODE_ALPHABET: &[u8; 30] = b"23456789ABCDEFGHJKMNPQRSTUVWXY";
/// Characters in a booking code (30^8 ≈ 6.6 × 10^11 codes: not guessable by trying).
pub const CODE_LEN: usize = 8;

/// A booking code such as `K7QM-4XPB`, shown with a dash, stored without.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct BookingCode(String);

impl BookingCode {
    /// Builds a code from random bytes (the server supplies them from its CSPRNG, or from a
    /// keyed hash of the booking's Idempotency-Key).
    pub fn from_random(bytes: [u8; CODE_LEN]) -> BookingCode {
        let code = bytes
            .iter()
            .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
            .collect();
        BookingCode(code)
    }

    /// Accepts what a person types: any case, spaces and dashes ignored.
    pub fn parse(raw: &str) -> Result<BookingCode, FieldCode> {
        let code: String = raw
            .chars()
            .map(crate::text::half_width)
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
            Ok(BookingCode(code))
        } else {
            Err(FieldCode::CodeInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `K7QM-4XPB`: two groups of four, for reading aloud.
    pub fn display(&self) -> String {
        // A code is ASCII (`parse`), so the split always finds a boundary; unlike
        // indexing, `split_at_checked` links no panic's text into the WebAssembly.
        let (first, rest) = self.0.split_at_checked(4).unwrap_or((&self.0, ""));
        format!("{first}-{rest}")
    }
}

impl TryFrom<String> for BookingCode {
    type Error = FieldCode;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        BookingCode::parse(&value)
    }
}

impl From<BookingCode> for String {
    fn from(value: BookingCode) -> Self {
        value.0
    }
}

/// A booking as its holder sees it (by code + phone): masked name and phone, the session,
/// and for a confirmed cloud-classroom seat the join link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingView {
    pub code: BookingCode,
    pub status: BookingStatus,
    pub name_masked: String,
    pub phone_masked: String,
    pub adults: u32,
    pub children: u32,
    /// 1-based place in the waiting list, when waitlisted.
    pub waitlist_position: Option<u32>,
    pub session: SessionView,
    pub organisation: Localised,
    /// Where to come: the session's own address when it is held elsewhere
    /// ([`SessionView::held_at`]), else its organiser's.
    pub address: Localised,
    /// Only for a confirmed cloud-classroom booking, only in the holder's own view.
    pub join_link: Option<String>,
    pub can_cancel: bool,
    /// The holder may erase their name and number now (`POST /api/v1/bookings/erase`): the
    /// booking is cancelled, a no-show, or the day of its session is over. Absent from
    /// copies a phone kept before it existed: `false`.
    #[serde(default)]
    pub can_erase: bool,
    #[serde(with = "crate::time::wire::venue_datetime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub booked_at: NaiveDateTime,
}

/// What erasing a booking answers (`POST /api/v1/bookings/erase`): the code whose name and
/// number are gone. Nothing finds the booking by code and phone any more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingErased {
    pub code: BookingCode,
}

/// What booking answers when the client asks for little (`Prefer: return=minimal`): how it
/// went and the code to open it by. The app reads nothing else of a new booking: it opens
/// the holder's view by code and phone, so the whole view would be built, serialised and
/// compressed for nothing, on the busiest request there is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingReceipt {
    pub code: BookingCode,
    pub status: BookingStatus,
    /// 1-based place in the waiting list, when waitlisted.
    pub waitlist_position: Option<u32>,
    pub session_id: i64,
}

impl From<&BookingView> for BookingReceipt {
    fn from(view: &BookingView) -> BookingReceipt {
        BookingReceipt {
            code: view.code.clone(),
            status: view.status,
            waitlist_position: view.waitlist_position,
            session_id: view.session.id,
        }
    }
}

/// Cancelling needs the code and the phone it was booked with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BookingLookup {
    pub code: String,
    pub phone: String,
}

/// Moving a booking to another session of the same activity: the code and phone it was
/// booked with (as for a lookup), the session wanted, and whether a place on that
/// session's waiting list will do when it has no place free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RescheduleRequest {
    pub code: String,
    pub phone: String,
    pub session_id: i64,
    #[serde(default)]
    pub accept_waiting: bool,
}

/// Staff moving a holder from the session whose roster they have open to another session
/// of the same activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoveBooking {
    pub code: String,
    pub from_session_id: i64,
    pub to_session_id: i64,
    #[serde(default)]
    pub accept_waiting: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn request() -> BookingRequest {
        BookingRequest {
            session_id: 1,
            name: " 张三 ".into(),
            phone: "13800138000".into(),
            adults: 1,
            children: 1,
            consent: true,
            lang: Default::default(),
            phone_token: None,
        }
    }

    #[test]
    fn a_good_request_is_trimmed_and_accepted() {
        let ok = request().validate(5).unwrap();
        assert_eq!(ok.name.as_str(), "张三");
        assert_eq!(ok.party.people(), 2);
    }

    #[test]
    fn every_wrong_field_is_reported_at_once() {
        let bad = BookingRequest {
            name: "  ".into(),
            phone: "123".into(),
            adults: 0,
            consent: false,
            ..request()
        };
        let err = bad.validate(5).unwrap_err();
        assert_eq!(err.code, ErrorCode::Invalid);
        assert_eq!(err.fields["name"], FieldCode::NameRequired);
        assert_eq!(err.fields["phone"], FieldCode::PhoneInvalid);
        assert_eq!(err.fields["adults"], FieldCode::AdultRequired);
        assert_eq!(err.fields["consent"], FieldCode::ConsentRequired);
    }

    fn with_party(adults: u32, children: u32) -> BookingRequest {
        BookingRequest {
            adults,
            children,
            ..request()
        }
    }

    #[test]
    fn party_over_the_session_limit_is_refused() {
        assert_eq!(
            with_party(3, 3).validate(5).unwrap_err().fields["party"],
            FieldCode::PartyTooLarge
        );
        assert!(with_party(3, 3).validate(6).is_ok());
        assert!(
            with_party(30, 0).validate(100).is_err(),
            "hard limit applies whatever the session says"
        );
    }

    /// The request of issue 14: one adult and u32::MAX children wrapped around to zero
    /// people and was confirmed.
    #[test]
    fn a_party_that_would_wrap_is_refused_beside_its_field() {
        for (adults, children, limit, field) in [
            (1, u32::MAX, 5, "children"),
            (u32::MAX, 1, 5, "adults"),
            (1, 21, 100, "children"),
        ] {
            assert_eq!(
                with_party(adults, children)
                    .validate(limit)
                    .unwrap_err()
                    .fields[field],
                FieldCode::PartyTooLarge,
                "{adults} adults, {children} children"
            );
        }
        assert_eq!(
            Party::parse(20, 0, u32::MAX).map(Party::people),
            Ok(PARTY_HARD_LIMIT)
        );
        assert_eq!(Party::parse(20, 1, u32::MAX), Err(PartyError::TooLarge));
    }

    #[test]
    fn invisible_and_direction_override_names_are_refused() {
        // Only invisible characters: the same answer as a blank name.
        for blank in [
            "\u{200B}",
            "\u{2060}\u{200D}",
            "\u{202E}\u{200B}",
            "\u{FEFF}",
        ] {
            assert_eq!(
                HolderName::parse(blank),
                Err(FieldCode::NameRequired),
                "{blank:?}"
            );
        }
        // An override anywhere would show the name reversed on the roster.
        for name in ["\u{202E}三张", "张\u{2067}三", "Ann\u{202D}a"] {
            assert_eq!(
                HolderName::parse(name),
                Err(FieldCode::NameInvalid),
                "{name:?}"
            );
        }
        for name in [
            "张三",
            "O'Brien",
            "Zoë",
            "👨\u{200D}👩\u{200D}👧",
            "🏳\u{FE0F}\u{200D}🌈",
        ] {
            assert_eq!(HolderName::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn names_are_masked_after_the_first_character() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("Li"), "L*");
        assert_eq!(
            mask_name("孙"),
            "*",
            "a one-character name shows nothing of it"
        );
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn codes_round_trip_and_accept_sloppy_typing() {
        let code = BookingCode::from_random([0, 1, 2, 3, 29, 30, 200, 255]);
        let typed = code.display().to_lowercase().replace('-', " - ");
        assert_eq!(BookingCode::parse(&typed).unwrap(), code);
        assert_eq!(
            BookingCode::parse("ｋ７ｑｍ－４ｘｐｂ").unwrap().as_str(),
            "K7QM4XPB"
        );
        assert!(BookingCode::parse("O0O0-I1I1").is_err());
        assert!(BookingCode::parse("ABCD").is_err());
    }

    #[test]
    fn waitlist_promotes_in_order_skipping_parties_that_do_not_fit() {
        let waiting = [(1, 3), (2, 1), (3, 2), (4, 1)];
        assert_eq!(promotions(2, &waiting), vec![2, 4]);
        assert_eq!(promotions(3, &waiting), vec![1]);
        assert_eq!(promotions(0, &waiting), Vec::<i32>::new());
    }

    #[test]
    fn no_show_rule_blocks_after_three_in_180_days() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let policy = NoShowPolicy::default();
        let today = d(9, 20);
        assert_eq!(policy.blocked_until(&[d(9, 1), d(9, 10)], today), None);
        assert_eq!(
            policy.blocked_until(&[d(9, 1), d(9, 10), d(9, 15)], today),
            Some(d(11, 14))
        );
        // One of them is more than 180 days before the last: not a run.
        assert_eq!(
            policy.blocked_until(&[d(1, 2), d(9, 10), d(9, 15)], today),
            None
        );
        // Block over.
        assert_eq!(
            policy.blocked_until(&[d(5, 1), d(5, 2), d(5, 3)], today),
            None
        );
        // The pause lasts its 60 days after the latest, though the first of the run is
        // now more than 180 days back.
        let today = d(9, 1);
        assert_eq!(
            policy.blocked_until(&[d(2, 20), d(7, 1), d(7, 10)], today),
            Some(d(9, 8))
        );
        // A pause longer than the window: two no-shows a day apart, 30 days' pause.
        let short = NoShowPolicy {
            count: 2,
            within_days: 7,
            block_days: 30,
        };
        assert_eq!(
            short.blocked_until(&[d(8, 10), d(8, 11)], today),
            Some(d(9, 10))
        );
        assert_eq!(short.blocked_until(&[d(8, 1), d(8, 11)], today), None);
        assert_eq!(short.reads_for_days(), 37);
        // Any number at 0: no rule.
        for off in [
            NoShowPolicy { count: 0, ..short },
            NoShowPolicy {
                within_days: 0,
                ..short
            },
            NoShowPolicy {
                block_days: 0,
                ..short
            },
        ] {
            assert_eq!(off.blocked_until(&[d(8, 31), d(9, 1)], today), None);
            assert_eq!(off.reads_for_days(), 0);
        }
    }

    #[test]
    fn cancel_only_before_deadline() {
        let t = crate::time::test_time(20, 15, 0, 0);
        assert!(can_cancel(t - Duration::seconds(1), t));
        assert!(!can_cancel(t, t));
    }

    proptest! {
        /// However parties arrive, admitting them one by one never exceeds capacity.
        #[test]
        fn admitting_never_overbooks(capacity in 0u32..200, parties in proptest::collection::vec((1u32..4, 0u32..3), 0..300)) {
            let mut booked = 0;
            for (adults, children) in parties {
                let party = Party::parse(adults, children, PARTY_HARD_LIMIT).unwrap();
                if admit(capacity, booked, party) == BookingStatus::Confirmed {
                    booked += party.people();
                }
                prop_assert!(booked <= capacity);
            }
        }

        /// Promotions never hand out more places than are free, and keep joining order.
        #[test]
        fn promotions_fit_in_free_places(free in 0u32..50, sizes in proptest::collection::vec(1u32..6, 0..40)) {
            let waiting: Vec<(usize, u32)> = sizes.iter().copied().enumerate().collect();
            let promoted = promotions(free, &waiting);
            let total: u32 = promoted.iter().map(|i| sizes[*i]).sum();
            prop_assert!(total <= free);
            prop_assert!(promoted.windows(2).all(|w| w[0] < w[1]));
            // Nobody left waiting would still fit.
            let left = free - total;
            for (i, size) in waiting {
                if !promoted.contains(&i) {
                    prop_assert!(size > left);
                }
            }
        }

        /// The daily limit is exact: allowed iff the total stays within it.
        #[test]
        fn daily_limit_is_exact(already in 0u32..10, adults in 1u32..4, children in 0u32..3, limit in 1u32..10) {
            let party = Party::parse(adults, children, PARTY_HARD_LIMIT).unwrap();
            prop_assert_eq!(within_daily_limit(already, party, limit), already + adults + children <= limit);
        }

        /// Party parsing agrees with the limit and the adult rule.
        #[test]
        fn party_rule(adults in 0u32..10, children in 0u32..10, limit in 1u32..12) {
            let parsed = Party::parse(adults, children, limit);
            prop_assert_eq!(parsed.is_ok(), adults >= 1 && adults + children <= limit);
        }

        /// Any counts a caller can send, however large, give a party within the bounds or a
        /// refusal naming a field; never a panic, never a party that wrapped around.
        #[test]
        fn any_counts_parse_to_a_bounded_party_or_a_field_error(
            adults in prop_oneof![any::<u32>(), 0u32..25, Just(u32::MAX)],
            children in prop_oneof![any::<u32>(), 0u32..25, (0u32..4).prop_map(|d| u32::MAX - d)],
            limit in prop_oneof![any::<u32>(), 0u32..25],
        ) {
            match Party::parse(adults, children, limit) {
                Ok(party) => {
                    prop_assert_eq!(party.adults(), adults);
                    prop_assert_eq!(party.children(), children);
                    prop_assert!((1..=PARTY_HARD_LIMIT).contains(&party.adults()));
                    prop_assert!(party.children() <= PARTY_HARD_LIMIT);
                    prop_assert!(party.people() <= PARTY_HARD_LIMIT.min(limit));
                    prop_assert_eq!(u64::from(party.people()), u64::from(adults) + u64::from(children));
                }
                Err(e) => {
                    let too_big = u64::from(adults) + u64::from(children)
                        > u64::from(limit.min(PARTY_HARD_LIMIT));
                    prop_assert!(adults == 0 || too_big, "refused a possible party: {e:?}");
                    prop_assert!(["adults", "children", "party"].contains(&e.field()));
                }
            }
        }

        /// The request's validation refuses every impossible party with a field error.
        #[test]
        fn validation_never_accepts_an_impossible_party(adults in any::<u32>(), children in any::<u32>(), limit in any::<u32>()) {
            let req = BookingRequest { adults, children, ..request() };
            match req.validate(limit) {
                Ok(valid) => prop_assert!(valid.party.people() <= PARTY_HARD_LIMIT),
                Err(err) => prop_assert!(
                    ["adults", "children", "party"].iter().any(|f| err.fields.contains_key(*f))
                ),
            }
        }

        /// Admission compares in a wide type: a counter at the top of u32 never "fits".
        #[test]
        fn admission_never_wraps(capacity in any::<u32>(), booked in any::<u32>(), adults in 1u32..=20) {
            let party = Party::parse(adults, 0, PARTY_HARD_LIMIT).unwrap();
            let fits = u64::from(booked) + u64::from(adults) <= u64::from(capacity);
            prop_assert_eq!(admit(capacity, booked, party) == BookingStatus::Confirmed, fits);
            prop_assert_eq!(
                within_daily_limit(booked, party, capacity),
                fits
            );
        }

        /// The window is open exactly between its two ends.
        #[test]
        fn window_open_exactly_inside(offset in -10_000i64..10_000, len in 1i64..5_000) {
            use crate::session::{window_state, WindowState};
            let open = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
            let close = open + Duration::minutes(len);
            let now = open + Duration::minutes(offset);
            let state = window_state(now, open, close);
            prop_assert_eq!(state == WindowState::Open, now >= open && now < close);
        }
    }
}
