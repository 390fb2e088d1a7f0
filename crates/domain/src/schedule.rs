//! What staff schedule: activities and their sessions, one at a time or as a series
//! ("every Tuesday and Thursday in September, 09:00–16:00, 45-minute slots"). The rules
//! here are the ones the console form checks as you type and the server checks again:
//! every broken rule is reported at once, against the field that breaks it.

use crate::activity::{ActivityKind, Localised};
use crate::booking::PARTY_HARD_LIMIT;
use crate::error::{ApiError, ErrorCode, FieldCode};
use crate::session::SessionFormat;
use crate::text;
use crate::time::{in_service, not_leap, on_the_clock};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// Longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 80;
/// Longest description or safety note, in characters.
pub const TEXT_MAX_CHARS: usize = 4000;
/// Longest place, address or join link, in characters.
pub const PLACE_MAX_CHARS: usize = 200;
/// Most places one session may offer.
pub const CAPACITY_MAX: u32 = 100_000;
/// Longest activity, in days.
pub const ACTIVITY_MAX_DAYS: i64 = 366;
/// Longest session.
pub const SESSION_MAX_HOURS: i64 = 24;
/// Most sessions one series may create.
pub const SERIES_MAX_SESSIONS: usize = 500;
/// Shortest generated session, in minutes.
pub const SERIES_MIN_MINUTES: u32 = 5;

/// An activity as staff create or edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityDraft {
    /// The lab running it; lab staff may only name their own.
    pub organisation_id: i64,
    pub kind: ActivityKind,
    pub title: Localised,
    #[serde(default)]
    pub description: Localised,
    #[serde(default)]
    pub safety_notes: Localised,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// An activity draft that passed [`ActivityDraft::validate`]: texts trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidActivity(ActivityDraft);

impl ValidActivity {
    pub fn get(&self) -> &ActivityDraft {
        &self.0
    }

    /// Its first and last days.
    pub fn days(&self) -> ActivityDays {
        ActivityDays {
            starts_on: self.0.starts_on,
            ends_on: self.0.ends_on,
        }
    }

    pub fn into_inner(self) -> ActivityDraft {
        self.0
    }
}

/// Collects field errors, so a form learns about every wrong field in one answer.
struct FieldErrors(ApiError);

impl FieldErrors {
    fn new() -> Self {
        FieldErrors(ApiError::new(
            ErrorCode::Invalid,
            "Some fields need attention",
        ))
    }

    fn add(&mut self, field: &str, code: FieldCode) {
        self.0.fields.entry(field.to_owned()).or_insert(code);
    }

    fn check(&mut self, ok: bool, field: &str, code: FieldCode) {
        if !ok {
            self.add(field, code);
        }
    }

    fn finish<T>(self, value: T) -> Result<T, ApiError> {
        self.0.unless_fields(value)
    }
}

fn trimmed(text: &Localised) -> Localised {
    Localised::new(text::trim(&text.zh), text::trim(&text.en))
}

fn longest(text: &Localised) -> usize {
    text.zh.chars().count().max(text.en.chars().count())
}

/// Whether both languages of a text may be kept: [`text::may_keep`].
fn may_keep(text: &Localised, several_lines: bool) -> bool {
    text::may_keep(&text.zh, several_lines) && text::may_keep(&text.en, several_lines)
}

impl ActivityDraft {
    /// Title required (in Chinese, English optional), texts within their lengths and free
    /// of controls (line breaks and tabs allowed in the longer texts) and bidirectional
    /// overrides, and the dates in order and at most a year apart.
    pub fn validate(&self) -> Result<ValidActivity, ApiError> {
        let mut errors = FieldErrors::new();
        let draft = ActivityDraft {
            title: trimmed(&self.title),
            description: trimmed(&self.description),
            safety_notes: trimmed(&self.safety_notes),
            ..self.clone()
        };
        errors.check(
            !text::is_blank(&draft.title.zh),
            "title",
            FieldCode::TitleRequired,
        );
        errors.check(
            longest(&draft.title) <= TITLE_MAX_CHARS,
            "title",
            FieldCode::TitleTooLong,
        );
        errors.check(
            may_keep(&draft.title, false),
            "title",
            FieldCode::TextInvalid,
        );
        for (field, text) in [
            ("description", &draft.description),
            ("safety_notes", &draft.safety_notes),
        ] {
            errors.check(
                longest(text) <= TEXT_MAX_CHARS,
                field,
                FieldCode::TextTooLong,
            );
            errors.check(may_keep(text, true), field, FieldCode::TextInvalid);
        }
        errors.check(
            in_service(draft.starts_on),
            "starts_on",
            FieldCode::DateInvalid,
        );
        errors.check(in_service(draft.ends_on), "ends_on", FieldCode::DateInvalid);
        // A first day that is itself wrong does not make the last one wrong too.
        let starts = in_service(draft.starts_on);
        errors.check(
            !starts || draft.ends_on >= draft.starts_on,
            "ends_on",
            FieldCode::EndBeforeStart,
        );
        errors.check(
            !starts || (draft.ends_on - draft.starts_on).num_days() <= ACTIVITY_MAX_DAYS,
            "ends_on",
            FieldCode::SpanTooLong,
        );
        errors.finish(ValidActivity(draft))
    }

    /// A new activity of an organisation whose venues' date is `today` (`None`: there is no
    /// such organisation, or none was chosen): the rules of [`ActivityDraft::validate`], and
    /// not over already, its last day not before `today` (edits of an activity that has
    /// ended need not). Every wrong field is named at once.
    pub fn validate_new(&self, today: Option<NaiveDate>) -> Result<ValidActivity, ApiError> {
        let checked = also_refuse(
            self.validate(),
            today.is_some_and(|today| self.ends_on < today),
            "ends_on",
            FieldCode::AlreadyOver,
        );
        let missing = missing_organisation(self.organisation_id);
        also_refuse(checked, today.is_none(), "organisation_id", missing)
    }
}

/// A session as staff create or edit it. Times are venue-local.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionDraft {
    pub format: SessionFormat,
    #[serde(default)]
    pub title: Localised,
    /// Where to come; required unless the session is a cloud classroom.
    #[serde(default)]
    pub place: Localised,
    /// The street address when the session is not held at its organiser's (a quick-test
    /// desk at a market); empty when it is. On-site sessions only: a cloud classroom's is
    /// dropped, as its join link is where it is held.
    #[serde(default)]
    pub address: Localised,
    /// The online join link (cloud classrooms only, where it is required, and `https://`);
    /// shown only to people holding a booking.
    #[serde(default)]
    pub join_link: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub starts_at: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub ends_at: NaiveDateTime,
    pub capacity: u32,
    /// Places kept for walk-ins (people without a smartphone): online bookings never take
    /// them (0 to `capacity`).
    #[serde(default)]
    pub reserved_places: u32,
    /// Most people (adults + children) one booking may bring.
    pub per_booking_limit: u32,
    /// Booking opens at this time (inclusive) and closes at `booking_closes_at` (exclusive).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub booking_opens_at: NaiveDateTime,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub booking_closes_at: NaiveDateTime,
    /// Holders may cancel until this time.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub cancel_deadline: NaiveDateTime,
}

/// A session draft that passed [`SessionDraft::validate`]: texts trimmed, and a join link
/// only where one belongs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidSession(SessionDraft);

impl ValidSession {
    pub fn get(&self) -> &SessionDraft {
        &self.0
    }

    pub fn into_inner(self) -> SessionDraft {
        self.0
    }
}

/// Whether `link` looks like a web address a browser can open: `https://` or `http://`
/// (in any case), then a host of letters, digits and hyphens in dot-separated labels (or an
/// IPv6 address in brackets) with an optional port, and no user name before it (in
/// `https://bank.example@evil.example` the host is evil.example), a port of 1–65535; and
/// nowhere white space, a control, an invisible character (a zero-width space would make a
/// link look like another), a bidirectional override, an interlinear annotation mark, a
/// backslash (read as `/` by browsers) or a character that must be encoded in an address
/// (`"<>^`{|}`).
pub fn is_web_link(link: &str) -> bool {
    let Some(rest) = strip_scheme(link, "https://").or_else(|| strip_scheme(link, "http://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // A host or a bracketed IPv6 address, then `:port` or nothing.
    let (host, port) = match authority.rfind(']') {
        Some(end) => authority.split_at(end + 1),
        None => authority
            .find(':')
            .map_or((authority, ""), |at| authority.split_at(at)),
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .and_then(|p| p.parse::<u16>().ok())
            .is_some_and(|p| p > 0 && !port.contains('+'));
    let label_ok = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c == '-' || c.is_alphanumeric())
    };
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => !v6.is_empty() && v6.chars().all(|c| c == ':' || c.is_ascii_hexdigit()),
        None => host.split('.').all(label_ok),
    };
    host_ok
        && port_ok
        && !link.chars().any(|c| {
            text::is_invisible(c)
                || text::is_bidi_control(c)
                || matches!(c, '\u{FFF9}'..='\u{FFFB}')
                || "\\\"<>^`{|}".contains(c)
        })
}

/// `link` after `scheme` (`https://`), whatever its case.
fn strip_scheme<'a>(link: &'a str, scheme: &str) -> Option<&'a str> {
    let head = link.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &link[scheme.len()..])
}

/// Whether `link` is a web address ([`is_web_link`]) reached over https, as a join link must
/// be: nobody between the citizen and the meeting can read or change it.
pub fn is_https_link(link: &str) -> bool {
    strip_scheme(link, "https://").is_some() && is_web_link(link)
}

impl SessionDraft {
    /// The session rules: it ends after it starts (within a day); booking opens before it
    /// closes and closes no later than the start; the cancellation deadline is no later
    /// than the start; capacity and per-booking limit are sensible; on-site sessions say
    /// where, cloud classrooms give an `https://` join link; title and place are one line each,
    /// without controls or bidirectional overrides.
    pub fn validate(&self) -> Result<ValidSession, ApiError> {
        let mut errors = FieldErrors::new();
        let online = self.format == SessionFormat::CloudClassroom;
        let join_link = self
            .join_link
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned);
        let draft = SessionDraft {
            title: trimmed(&self.title),
            place: trimmed(&self.place),
            address: if online {
                Localised::default()
            } else {
                trimmed(&self.address)
            },
            join_link: if online { join_link } else { None },
            ..self.clone()
        };
        errors.check(
            longest(&draft.title) <= TITLE_MAX_CHARS,
            "title",
            FieldCode::TitleTooLong,
        );
        errors.check(
            may_keep(&draft.title, false),
            "title",
            FieldCode::TextInvalid,
        );
        errors.check(
            longest(&draft.place) <= PLACE_MAX_CHARS,
            "place",
            FieldCode::TextTooLong,
        );
        if online {
            match &draft.join_link {
                None => errors.add("join_link", FieldCode::JoinLinkRequired),
                Some(link) => errors.check(
                    is_https_link(link) && link.chars().count() <= PLACE_MAX_CHARS,
                    "join_link",
                    FieldCode::JoinLinkInvalid,
                ),
            }
        } else {
            errors.check(
                !text::is_blank(&draft.place.zh),
                "place",
                FieldCode::PlaceRequired,
            );
        }
        errors.check(
            may_keep(&draft.place, false),
            "place",
            FieldCode::TextInvalid,
        );
        // The Chinese address is the one every reader falls back to, so an English one
        // alone would be shown to nobody.
        errors.check(
            !text::is_blank(&draft.address.zh) || draft.address.en.is_empty(),
            "address",
            FieldCode::PlaceRequired,
        );
        errors.check(
            longest(&draft.address) <= PLACE_MAX_CHARS,
            "address",
            FieldCode::TextTooLong,
        );
        errors.check(
            may_keep(&draft.address, false),
            "address",
            FieldCode::TextInvalid,
        );
        for (field, at) in [
            ("starts_at", draft.starts_at),
            ("ends_at", draft.ends_at),
            ("booking_opens_at", draft.booking_opens_at),
            ("booking_closes_at", draft.booking_closes_at),
            ("cancel_deadline", draft.cancel_deadline),
        ] {
            errors.check(on_the_clock(at), field, FieldCode::DateInvalid);
        }
        // A time compared with one that is itself wrong is not marked for it: only the wrong
        // one is (a start in year 202612 does not make the end "before the start").
        let (starts, opens) = (
            on_the_clock(draft.starts_at),
            on_the_clock(draft.booking_opens_at),
        );
        errors.check(
            !starts || draft.ends_at > draft.starts_at,
            "ends_at",
            FieldCode::EndBeforeStart,
        );
        errors.check(
            !starts || draft.ends_at - draft.starts_at <= Duration::hours(SESSION_MAX_HOURS),
            "ends_at",
            FieldCode::SpanTooLong,
        );
        // Against a capacity that is itself wrong, only the capacity is marked: the places
        // kept and the people per booking are not "above" a number nobody meant.
        let capacity_valid = (1..=CAPACITY_MAX).contains(&draft.capacity);
        errors.check(capacity_valid, "capacity", FieldCode::CapacityInvalid);
        errors.check(
            !capacity_valid || draft.reserved_places <= draft.capacity,
            "reserved_places",
            FieldCode::ReservedAboveCapacity,
        );
        errors.check(
            (1..=PARTY_HARD_LIMIT).contains(&draft.per_booking_limit),
            "per_booking_limit",
            FieldCode::LimitInvalid,
        );
        errors.check(
            !capacity_valid || draft.per_booking_limit <= draft.capacity,
            "per_booking_limit",
            FieldCode::LimitAboveCapacity,
        );
        errors.check(
            !opens || draft.booking_opens_at < draft.booking_closes_at,
            "booking_closes_at",
            FieldCode::WindowEmpty,
        );
        errors.check(
            !starts || draft.booking_closes_at <= draft.starts_at,
            "booking_closes_at",
            FieldCode::ClosesAfterStart,
        );
        errors.check(
            !starts || draft.cancel_deadline <= draft.starts_at,
            "cancel_deadline",
            FieldCode::DeadlineAfterStart,
        );
        errors.finish(ValidSession(draft))
    }

    /// New sessions must start in the future (edits of a running session need not).
    pub fn validate_new(&self, now: NaiveDateTime) -> Result<ValidSession, ApiError> {
        also_refuse(
            self.validate(),
            self.starts_at <= now,
            "starts_at",
            FieldCode::InPast,
        )
    }
}

/// What `organisation_id` is refused with when no organisation has it: none was chosen (0),
/// or there is no such one.
pub fn missing_organisation(id: i64) -> FieldCode {
    match id {
        0 => FieldCode::OrganisationRequired,
        _ => FieldCode::OrganisationUnknown,
    }
}

/// `checked`, and `field` refused with `code` as well when `wrong` (after any error of its
/// own: the first word on a field stays).
fn also_refuse<T>(
    checked: Result<T, ApiError>,
    wrong: bool,
    field: &str,
    code: FieldCode,
) -> Result<T, ApiError> {
    if !wrong {
        return checked;
    }
    let mut e = checked
        .err()
        .unwrap_or_else(|| ApiError::new(ErrorCode::Invalid, "Some fields need attention"));
    e.fields.entry(field.into()).or_insert(code);
    Err(e)
}

/// A session already scheduled, as [`first_already_scheduled`] compares it: its start, and
/// its title, place and own address in Chinese.
pub type Scheduled = (NaiveDateTime, String, String, String);

/// The start of the first of `new` that the activity holds already (`scheduled`, its
/// sessions not cancelled): the same start, title, place and address, as when a series or a
/// session is sent twice. Parallel groups at one time and place have titles of their own;
/// desks of one name at two markets have their addresses.
pub fn first_already_scheduled(
    new: &[ValidSession],
    scheduled: &[Scheduled],
) -> Option<NaiveDateTime> {
    new.iter().map(ValidSession::get).find_map(|s| {
        let same = |(at, title, place, address): &Scheduled| {
            (at, title, place, address) == (&s.starts_at, &s.title.zh, &s.place.zh, &s.address.zh)
        };
        scheduled.iter().any(same).then_some(s.starts_at)
    })
}

/// An activity's days, the first and the last (inclusive): its sessions fall within them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityDays {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl ActivityDays {
    fn holds(&self, day: NaiveDate) -> bool {
        (self.starts_on..=self.ends_on).contains(&day)
    }

    /// Whether a session ending at `ends_at` is over by the midnight after the last day.
    fn over_by_the_end(&self, ends_at: NaiveDateTime) -> bool {
        ends_at <= (self.ends_on + Duration::days(1)).and_time(NaiveTime::MIN)
    }

    /// A session within these days: it starts on one of them (`starts_at`) and is over by
    /// the end of the last (`ends_at`); `outside_activity` otherwise.
    pub fn hold_session(&self, session: &ValidSession) -> Result<(), ApiError> {
        let s = session.get();
        let mut errors = FieldErrors::new();
        errors.check(
            self.holds(s.starts_at.date()),
            "starts_at",
            FieldCode::OutsideActivity,
        );
        errors.check(
            self.over_by_the_end(s.ends_at),
            "ends_at",
            FieldCode::OutsideActivity,
        );
        errors.finish(())
    }

    /// New days for an activity whose sessions (those not cancelled, as `(starts_at,
    /// ends_at)`) are these: each must still lie within them as [`ActivityDays::hold_session`]
    /// has it. Otherwise the days that leave one out: the first when a session starts
    /// before it, the last when one starts after it or runs past the midnight after it.
    pub fn hold_sessions(
        &self,
        sessions: impl IntoIterator<Item = (NaiveDateTime, NaiveDateTime)>,
    ) -> Result<(), SessionsOutside> {
        let mut outside = SessionsOutside::default();
        for (starts_at, ends_at) in sessions {
            outside.before_first |= starts_at.date() < self.starts_on;
            outside.after_last |= starts_at.date() > self.ends_on || !self.over_by_the_end(ends_at);
        }
        if outside.before_first || outside.after_last {
            Err(outside)
        } else {
            Ok(())
        }
    }

    /// A series within these days: its first and last dates (`from`, `to`) among them, so
    /// every session it makes is too; `outside_activity` otherwise.
    pub fn hold_series(&self, series: &SessionSeries) -> Result<(), ApiError> {
        let mut errors = FieldErrors::new();
        errors.check(self.holds(series.from), "from", FieldCode::OutsideActivity);
        errors.check(self.holds(series.to), "to", FieldCode::OutsideActivity);
        errors.finish(())
    }
}

/// An activity's new days would leave out some of its sessions (not cancelled): staff move
/// or cancel them first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionsOutside {
    /// One starts before the new first day.
    pub before_first: bool,
    /// One starts after the new last day, or runs past the midnight after it.
    pub after_last: bool,
}

impl From<SessionsOutside> for ApiError {
    /// 422 `sessions_outside` beside `starts_on`, `ends_on` or both: the days that leave a
    /// session out.
    fn from(outside: SessionsOutside) -> Self {
        let mut errors = FieldErrors(ApiError::new(
            ErrorCode::Invalid,
            "Some sessions fall outside these days: move or cancel them first",
        ));
        errors.check(
            !outside.before_first,
            "starts_on",
            FieldCode::SessionsOutside,
        );
        errors.check(!outside.after_last, "ends_on", FieldCode::SessionsOutside);
        errors.0
    }
}

/// Many sessions at once: every chosen weekday between two dates, slots of `length_minutes`
/// with `gap_minutes` between them from `day_starts` until `day_ends`, each with the same
/// format, place, capacity and rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionSeries {
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// ISO weekdays: 1 = Monday … 7 = Sunday.
    pub weekdays: Vec<u8>,
    /// First slot starts at this venue-local time (`HH:MM`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "09:00"))]
    pub day_starts: NaiveTime,
    /// No slot ends after this time; `00:00` is the midnight that ends the day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "16:00"))]
    pub day_ends: NaiveTime,
    pub length_minutes: u32,
    #[serde(default)]
    pub gap_minutes: u32,
    pub format: SessionFormat,
    #[serde(default)]
    pub title: Localised,
    #[serde(default)]
    pub place: Localised,
    /// Where the sessions are held when not at the organiser's address
    /// ([`SessionDraft::address`]).
    #[serde(default)]
    pub address: Localised,
    #[serde(default)]
    pub join_link: Option<String>,
    pub capacity: u32,
    /// Places of each session kept for walk-ins.
    #[serde(default)]
    pub reserved_places: u32,
    pub per_booking_limit: u32,
    /// When booking opens for every session of the series.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub booking_opens_at: NaiveDateTime,
    /// Booking for each session closes this many minutes before it starts.
    #[serde(default)]
    pub closes_minutes_before: u32,
    /// Holders may cancel until this many minutes before the start.
    #[serde(default)]
    pub cancel_minutes_before: u32,
}

impl SessionSeries {
    /// The sessions this series makes, in time order; every one passes the session rules.
    /// Slots that start by `now` are left out: a series from today makes the rest of its
    /// day. Refused with field errors when the series is malformed, makes no session (`from`:
    /// `in_past` when each of its slots has started), or makes more than
    /// [`SERIES_MAX_SESSIONS`].
    pub fn expand(&self, now: NaiveDateTime) -> Result<Vec<ValidSession>, ApiError> {
        // A day that ends at 00:00 ends at the midnight after it.
        let ends_at_midnight = self.day_ends == NaiveTime::MIN;
        let mut errors = FieldErrors::new();
        errors.check(in_service(self.from), "from", FieldCode::DateInvalid);
        errors.check(in_service(self.to), "to", FieldCode::DateInvalid);
        errors.check(
            on_the_clock(self.booking_opens_at),
            "booking_opens_at",
            FieldCode::DateInvalid,
        );
        for (field, at) in [("day_starts", self.day_starts), ("day_ends", self.day_ends)] {
            errors.check(not_leap(at), field, FieldCode::DateInvalid);
        }
        // As for one session: only the wrong one of two compared values is marked.
        errors.check(
            !in_service(self.from) || self.to >= self.from,
            "to",
            FieldCode::EndBeforeStart,
        );
        errors.check(
            (self.to - self.from).num_days() <= ACTIVITY_MAX_DAYS,
            "to",
            FieldCode::SpanTooLong,
        );
        errors.check(
            !self.weekdays.is_empty() && self.weekdays.iter().all(|d| (1..=7).contains(d)),
            "weekdays",
            FieldCode::WeekdaysInvalid,
        );
        errors.check(
            !not_leap(self.day_starts) || self.day_ends > self.day_starts || ends_at_midnight,
            "day_ends",
            FieldCode::EndBeforeStart,
        );
        errors.check(
            (SERIES_MIN_MINUTES..=24 * 60).contains(&self.length_minutes),
            "length_minutes",
            FieldCode::LengthInvalid,
        );
        errors.check(
            self.gap_minutes <= 24 * 60,
            "gap_minutes",
            FieldCode::GapInvalid,
        );
        errors.check(
            self.closes_minutes_before <= 366 * 24 * 60,
            "closes_minutes_before",
            FieldCode::SpanTooLong,
        );
        errors.check(
            self.cancel_minutes_before <= 366 * 24 * 60,
            "cancel_minutes_before",
            FieldCode::SpanTooLong,
        );
        if !errors.0.fields.is_empty() {
            // Its texts and counts are named in the same answer, not after the dates mend.
            for (field, code) in self.session_terms_refused() {
                errors.add(&field, code);
            }
        }
        errors.finish(())?;
        let length = Duration::minutes(i64::from(self.length_minutes));
        let step = length + Duration::minutes(i64::from(self.gap_minutes));
        let mut drafts = Vec::new();
        let mut started = false;
        let mut day = self.from;
        while day <= self.to {
            let weekday = day.weekday().number_from_monday() as u8;
            if self.weekdays.contains(&weekday) {
                let day_ends = match ends_at_midnight {
                    true => (day + Duration::days(1)).and_time(NaiveTime::MIN),
                    false => day.and_time(self.day_ends),
                };
                let mut starts_at = day.and_time(self.day_starts);
                while starts_at + length <= day_ends {
                    if starts_at <= now {
                        started = true;
                        starts_at += step;
                        continue;
                    }
                    if drafts.len() == SERIES_MAX_SESSIONS {
                        return Err(ApiError::new(
                            ErrorCode::Invalid,
                            format!("A series makes at most {SERIES_MAX_SESSIONS} sessions"),
                        )
                        .with_field("to", FieldCode::TooManySessions));
                    }
                    drafts.push(self.session_at(starts_at, length));
                    starts_at += step;
                }
            }
            day += Duration::days(1);
        }
        if drafts.is_empty() && started {
            return Err(ApiError::new(
                ErrorCode::Invalid,
                "Every session of this series has started",
            )
            .with_field("from", FieldCode::InPast));
        }
        if drafts.is_empty() {
            return Err(
                ApiError::new(ErrorCode::Invalid, "This series makes no session")
                    .with_field("weekdays", FieldCode::NoSessions),
            );
        }
        // Every session shares the same rules, so the first error stands for all of them.
        drafts.iter().map(|d| d.validate_new(now)).collect()
    }

    /// What the session rules refuse in the series' texts and counts (title, place, join
    /// link, places), judged on a session at a sound time, which its dates and times cannot
    /// spoil.
    fn session_terms_refused(&self) -> Vec<(String, FieldCode)> {
        const TERMS: [&str; 7] = [
            "title",
            "place",
            "address",
            "join_link",
            "capacity",
            "reserved_places",
            "per_booking_limit",
        ];
        let starts_at = NaiveDate::from_ymd_opt(2026, 9, 1)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("a sound time");
        let probe = SessionDraft {
            booking_opens_at: starts_at - Duration::days(1),
            booking_closes_at: starts_at,
            cancel_deadline: starts_at,
            ..self.session_at(starts_at, Duration::hours(1))
        };
        let refused = probe.validate().err().map(|e| e.fields).unwrap_or_default();
        refused
            .into_iter()
            .filter(|(field, _)| TERMS.contains(&field.as_str()))
            .collect()
    }

    fn session_at(&self, starts_at: NaiveDateTime, length: Duration) -> SessionDraft {
        SessionDraft {
            format: self.format,
            title: self.title.clone(),
            place: self.place.clone(),
            address: self.address.clone(),
            join_link: self.join_link.clone(),
            starts_at,
            ends_at: starts_at + length,
            capacity: self.capacity,
            reserved_places: self.reserved_places,
            per_booking_limit: self.per_booking_limit,
            booking_opens_at: self.booking_opens_at,
            booking_closes_at: starts_at - Duration::minutes(i64::from(self.closes_minutes_before)),
            cancel_deadline: starts_at - Duration::minutes(i64::from(self.cancel_minutes_before)),
        }
    }
}

/// An organisation staff may schedule for: lab staff see only their own, organisers their
/// bureau and everything under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationChoice {
    pub id: i64,
    pub name: Localised,
    pub kind: crate::organisation::OrgKind,
    /// The bureau it sits under (`None` at the top). A list puts a parent before its
    /// children.
    pub parent_id: Option<i64>,
}

/// A session as the console lists it: everything its edit form needs, whether it was
/// cancelled, and how many people are booked and waiting. Unlike the public catalogue the
/// console lists past and cancelled sessions too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduledSession {
    pub id: i64,
    pub draft: SessionDraft,
    pub status: crate::session::SessionStatus,
    /// People in confirmed and checked-in bookings (after a cancellation: those who came).
    pub booked: u32,
    /// People on the waiting list.
    pub waiting: u32,
    /// People among `booked` who were booked at the door.
    #[serde(default)]
    pub walk_ins: u32,
    /// How many times its details were saved: a change sends it back as `If-Match`, and is
    /// refused (`edited_meanwhile`) if someone saved the session meanwhile.
    #[serde(default)]
    pub revision: u32,
}

impl ScheduledSession {
    /// Its places, for the two numbers staff see: places left online and at the door.
    pub fn places(&self) -> crate::session::Places {
        crate::session::Places {
            capacity: self.draft.capacity,
            reserved: self.draft.reserved_places,
            booked: self.booked,
            walk_ins: self.walk_ins,
        }
    }
}

/// An activity as the console lists it, with every one of its sessions in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScheduledActivity {
    pub id: i64,
    /// The running organisation's name (its id is in `draft`).
    pub organisation: Localised,
    pub draft: ActivityDraft,
    pub sessions: Vec<ScheduledSession>,
    /// Its organisation's venue clock (minutes east of UTC): what "over" means for its
    /// sessions.
    #[serde(default = "crate::time::shanghai_offset")]
    pub utc_offset_minutes: i32,
    /// How many times its details were saved: a change sends it back as `If-Match`, and is
    /// refused (`edited_meanwhile`) if someone saved the activity meanwhile.
    #[serde(default)]
    pub revision: u32,
}

/// A created activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedActivity {
    pub id: i64,
}

/// Sessions a series created, in time order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeneratedSessions {
    pub session_ids: Vec<i64>,
}

/// A session after an edit, and how many waiting people a larger capacity let in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionChanged {
    pub session: crate::session::SessionView,
    pub promoted_people: u32,
}

/// What cancelling a session did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelledSession {
    pub cancelled_bookings: u32,
}

/// What a session that is over (`ends_at` passed, `now` on its venue's clock) still takes:
/// it keeps its times and cannot be cancelled (`session_over`). Its visits, check-ins and
/// no-shows happened then: moving it would put its bookings on another day (or back into
/// the future, places held by people who came or never will), and cancelling it would turn
/// the bookings nobody came for, which staff mark as no-shows, into cancellations. Its
/// title, place, places and link may still be corrected.
pub fn over_keeps_its_times(now: NaiveDateTime, ends_at: NaiveDateTime) -> Result<(), ErrorCode> {
    if now >= ends_at {
        return Err(ErrorCode::SessionOver);
    }
    Ok(())
}

/// Whether a session that starts `starts_at` may move `now` to times starting
/// `new_starts_at`: not once it has begun (its first visitors may be in), and not to times
/// already begun (its holders could not come in time, and the message telling them of the
/// change expires at the new start, before it could be sent): `session_over`.
pub fn may_move(
    now: NaiveDateTime,
    starts_at: NaiveDateTime,
    new_starts_at: NaiveDateTime,
) -> Result<(), ErrorCode> {
    if now >= starts_at || now >= new_starts_at {
        return Err(ErrorCode::SessionOver);
    }
    Ok(())
}

/// Whether a session may take format `to` from `was` while `samples` are registered on it:
/// a quick-test session with samples stays a quick test (its samples are received and tested
/// at its bench, and their holders were told to bring them there), `format`: `holds_samples`.
pub fn may_change_format(
    was: SessionFormat,
    to: SessionFormat,
    samples: u64,
) -> Result<(), ApiError> {
    let leaves_its_bench = was == SessionFormat::QuickTest && to != was && samples > 0;
    let mut errors = FieldErrors::new();
    errors.check(!leaves_its_bench, "format", FieldCode::HoldsSamples);
    errors.finish(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_test_session_keeps_its_format_while_it_holds_samples() {
        use SessionFormat::*;
        let refused = may_change_format(QuickTest, Visit, 1).unwrap_err();
        assert_eq!(refused.code, ErrorCode::Invalid);
        assert_eq!(
            fields(refused),
            [("format".into(), FieldCode::HoldsSamples)]
        );
        assert!(may_change_format(QuickTest, CloudClassroom, u64::MAX).is_err());
        assert!(
            may_change_format(QuickTest, QuickTest, 5).is_ok(),
            "unchanged"
        );
        assert!(
            may_change_format(QuickTest, Visit, 0).is_ok(),
            "no sample yet"
        );
        assert!(may_change_format(Visit, QuickTest, 0).is_ok());
        assert!(
            may_change_format(Visit, CloudClassroom, 3).is_ok(),
            "not a quick test"
        );
    }

    fn at(d: u32, h: u32, m: u32) -> NaiveDateTime {
        crate::time::test_time(d, h, m, 0)
    }

    fn session() -> SessionDraft {
        SessionDraft {
            format: SessionFormat::Visit,
            title: Localised::new(" 上午场 ", "Morning"),
            place: Localised::new("一楼大厅", "Ground floor"),
            address: Localised::default(),
            join_link: Some("https://meet.example/x".into()),
            starts_at: at(20, 9, 0),
            ends_at: at(20, 10, 0),
            capacity: 30,
            reserved_places: 0,
            per_booking_limit: 4,
            booking_opens_at: at(1, 9, 0),
            booking_closes_at: at(20, 8, 0),
            cancel_deadline: at(19, 18, 0),
        }
    }

    fn fields(e: ApiError) -> Vec<(String, FieldCode)> {
        e.fields.into_iter().collect()
    }

    #[test]
    fn a_session_over_keeps_its_times() {
        let ends = at(20, 11, 0);
        let minute = Duration::minutes(1);
        assert_eq!(over_keeps_its_times(ends - minute, ends), Ok(()));
        assert_eq!(
            over_keeps_its_times(ends, ends),
            Err(ErrorCode::SessionOver)
        );
        assert_eq!(
            over_keeps_its_times(ends + minute * 600, ends),
            Err(ErrorCode::SessionOver)
        );
    }

    #[test]
    fn a_session_moves_only_before_it_begins_and_never_into_the_past() {
        let (starts, now) = (at(20, 9, 0), at(19, 12, 0));
        assert_eq!(may_move(now, starts, at(21, 10, 0)), Ok(()));
        assert_eq!(
            may_move(starts, starts, at(21, 10, 0)),
            Err(ErrorCode::SessionOver)
        );
        // Begun already at its new times (an hour ago), though not over: refused too.
        assert_eq!(
            may_move(now, starts, at(19, 11, 0)),
            Err(ErrorCode::SessionOver)
        );
        assert_eq!(may_move(now, starts, now), Err(ErrorCode::SessionOver));
        // A new start a minute ahead is fine.
        assert_eq!(may_move(now, starts, at(19, 12, 1)), Ok(()));
    }

    #[test]
    fn a_sound_session_is_trimmed_and_keeps_no_join_link_on_site() {
        let valid = session().validate().unwrap().into_inner();
        assert_eq!(valid.title.zh, "上午场");
        assert_eq!(valid.join_link, None);
    }

    #[test]
    fn every_broken_time_rule_is_reported_against_its_field() {
        let broken = SessionDraft {
            ends_at: at(20, 9, 0),
            booking_opens_at: at(20, 8, 30),
            booking_closes_at: at(20, 9, 30),
            cancel_deadline: at(20, 9, 1),
            ..session()
        };
        let e = broken.validate().unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid);
        assert_eq!(
            fields(e),
            vec![
                ("booking_closes_at".into(), FieldCode::ClosesAfterStart),
                ("cancel_deadline".into(), FieldCode::DeadlineAfterStart),
                ("ends_at".into(), FieldCode::EndBeforeStart),
            ]
        );
        let empty_window = SessionDraft {
            booking_opens_at: at(20, 8, 0),
            ..session()
        };
        assert_eq!(
            fields(empty_window.validate().unwrap_err()),
            vec![("booking_closes_at".into(), FieldCode::WindowEmpty)]
        );
        // Closing exactly at the start, and a deadline at the start, are allowed.
        let edge = SessionDraft {
            booking_closes_at: at(20, 9, 0),
            cancel_deadline: at(20, 9, 0),
            ..session()
        };
        assert!(edge.validate().is_ok());
        let marathon = SessionDraft {
            ends_at: at(21, 9, 1),
            ..session()
        };
        assert_eq!(
            fields(marathon.validate().unwrap_err()),
            vec![("ends_at".into(), FieldCode::SpanTooLong)]
        );
        // A leap second, as chrono reads `10:00:60`, is no time on the venue's clock.
        let leap: NaiveDateTime = "2026-09-20T10:00:60".parse().unwrap();
        assert_eq!(leap.to_string(), "2026-09-20 10:00:60");
        let on_a_leap = SessionDraft {
            ends_at: leap,
            ..session()
        };
        assert_eq!(
            fields(on_a_leap.validate().unwrap_err()),
            vec![("ends_at".into(), FieldCode::DateInvalid)]
        );
    }

    #[test]
    fn reserved_places_fit_in_the_capacity() {
        let all = SessionDraft {
            reserved_places: 30,
            ..session()
        };
        assert_eq!(all.validate().unwrap().get().reserved_places, 30);
        let e = SessionDraft {
            reserved_places: 31,
            ..session()
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            fields(e),
            vec![("reserved_places".into(), FieldCode::ReservedAboveCapacity)]
        );
        let e = SessionSeries {
            reserved_places: 21,
            ..series()
        }
        .expand(at(1, 0, 0) - Duration::days(7))
        .unwrap_err();
        assert_eq!(
            e.fields["reserved_places"],
            FieldCode::ReservedAboveCapacity
        );
    }

    #[test]
    fn capacity_and_limit_must_be_sensible() {
        let e = SessionDraft {
            capacity: 0,
            per_booking_limit: 0,
            ..session()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["capacity"], FieldCode::CapacityInvalid);
        assert_eq!(e.fields["per_booking_limit"], FieldCode::LimitInvalid);
        let e = SessionDraft {
            capacity: 2,
            per_booking_limit: 3,
            ..session()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["per_booking_limit"], FieldCode::LimitAboveCapacity);
        for capacity in [0, CAPACITY_MAX + 1] {
            let e = SessionDraft {
                capacity,
                reserved_places: 2,
                per_booking_limit: 5,
                ..session()
            }
            .validate()
            .unwrap_err();
            assert_eq!(
                e.fields.keys().collect::<Vec<_>>(),
                ["capacity"],
                "{capacity}: {e:?}"
            );
        }
        assert!(SessionDraft {
            per_booking_limit: PARTY_HARD_LIMIT + 1,
            capacity: 100,
            ..session()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn cloud_classrooms_need_a_web_link_and_on_site_sessions_a_place() {
        let online = SessionDraft {
            format: SessionFormat::CloudClassroom,
            place: Localised::default(),
            join_link: None,
            ..session()
        };
        assert_eq!(
            online.validate().unwrap_err().fields["join_link"],
            FieldCode::JoinLinkRequired
        );
        // Not a web address, or one anybody on the way could read and change.
        for link in ["javascript:alert(1)", "http://meet.example/room?id=1"] {
            let bad = SessionDraft {
                join_link: Some(link.into()),
                ..online.clone()
            };
            assert_eq!(
                bad.validate().unwrap_err().fields["join_link"],
                FieldCode::JoinLinkInvalid,
                "{link}"
            );
        }
        let good = SessionDraft {
            join_link: Some(" https://meet.example/room?id=1 ".into()),
            ..online
        };
        assert_eq!(
            good.validate().unwrap().get().join_link.as_deref(),
            Some("https://meet.example/room?id=1")
        );
        let nowhere = SessionDraft {
            place: Localised::new(" ", "Hall"),
            ..session()
        };
        assert_eq!(
            nowhere.validate().unwrap_err().fields["place"],
            FieldCode::PlaceRequired
        );
        assert!(!is_web_link("https://"));
        assert!(!is_web_link("https://a b"));
        assert!(is_web_link("http://lab.example"));
        for fine in [
            "HTTPS://meeting.example.com/j/1",
            "Https://x.example",
            "https://meeting.tencent.com/dm/abc?pwd=1#x",
            "https://会议.例子.中国/室",
            "https://lab.example:8443/room",
            "https://lab.example:1/room",
            "https://lab.example:65535/room",
            "https://[2001:db8::1]:8443/room",
            "https://192.0.2.7/room",
        ] {
            assert!(is_https_link(fine), "{fine}");
        }
        for bad in [
            "https://user:pw@host.example",
            "https://user@host.example/x",
            "https://-/",
            "https://..",
            "https://a..b",
            "https://%00/",
            "https://x.example/\"><script>",
            "https://x.example\\@evil.com",
            "https://host.example:/x",
            "https://host.example:99999999/x",
            "https://2001:db8::1/x",
            "https://a.example:0/",
            "https://a.example:99999/",
            "https://a.example:65536/",
            "https://a.example:+80/",
            "https://meeting.tencent.com/dm/a\u{200B}b",
            "https://a.example/x\u{FFFA}y",
            "https://a.example/\u{00AD}",
            "https:///x",
            "ftp://host.example",
        ] {
            assert!(!is_web_link(bad), "{bad}");
        }
        assert!(!is_https_link("http://meet.example/room"));
    }

    #[test]
    fn a_session_held_elsewhere_gives_its_address_in_chinese_first() {
        let market = SessionDraft {
            address: Localised::new(" 青山湖大道 8 号农贸市场 ", ""),
            ..session()
        };
        let valid = market.validate().unwrap();
        assert_eq!(valid.get().address.zh, "青山湖大道 8 号农贸市场");
        let english_only = SessionDraft {
            address: Localised::new(" ", "8 Qingshanhu Ave"),
            ..session()
        };
        assert_eq!(
            english_only.validate().unwrap_err().fields["address"],
            FieldCode::PlaceRequired
        );
        let long = SessionDraft {
            address: Localised::new("路".repeat(PLACE_MAX_CHARS + 1), ""),
            ..session()
        };
        assert_eq!(
            long.validate().unwrap_err().fields["address"],
            FieldCode::TextTooLong
        );
        let hidden = SessionDraft {
            address: Localised::new("市场\u{202e}", ""),
            ..session()
        };
        assert_eq!(
            hidden.validate().unwrap_err().fields["address"],
            FieldCode::TextInvalid
        );
        // An online session is held at its link: an address it was given is not kept.
        let online = SessionDraft {
            format: SessionFormat::CloudClassroom,
            ..market
        };
        assert_eq!(
            online.validate().unwrap().get().address,
            Localised::default()
        );
    }

    #[test]
    fn new_sessions_start_in_the_future() {
        let e = session().validate_new(at(20, 9, 0)).unwrap_err();
        assert_eq!(e.fields["starts_at"], FieldCode::InPast);
        assert!(session().validate_new(at(20, 8, 59)).is_ok());
        let both = SessionDraft {
            capacity: 0,
            per_booking_limit: 1,
            ..session()
        };
        let e = both.validate_new(at(21, 0, 0)).unwrap_err();
        assert_eq!(e.fields.len(), 2);
    }

    /// A lab's open day titled `title`, all September 2026.
    fn open_day(title: &str) -> ActivityDraft {
        ActivityDraft {
            organisation_id: 1,
            kind: ActivityKind::LabOpenDay,
            title: Localised::new(title, ""),
            description: Localised::default(),
            safety_notes: Localised::default(),
            starts_on: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        }
    }

    #[test]
    fn activities_need_a_title_and_dates_in_order() {
        let draft = open_day(" 开放日 ");
        assert_eq!(draft.validate().unwrap().get().title.zh, "开放日");
        let e = ActivityDraft {
            title: Localised::new("", "Open day"),
            ends_on: NaiveDate::from_ymd_opt(2026, 8, 31).unwrap(),
            ..draft.clone()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["title"], FieldCode::TitleRequired);
        assert_eq!(e.fields["ends_on"], FieldCode::EndBeforeStart);
        let e = ActivityDraft {
            title: Localised::new("长".repeat(TITLE_MAX_CHARS + 1), ""),
            ..draft
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["title"], FieldCode::TitleTooLong);
    }

    #[test]
    fn a_new_activity_may_end_today_but_not_be_over_already() {
        let draft = ActivityDraft {
            starts_on: NaiveDate::from_ymd_opt(2020, 9, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2020, 9, 3).unwrap(),
            ..open_day("开放日")
        };
        let day = |d| Some(NaiveDate::from_ymd_opt(2020, 9, d).unwrap());
        assert!(draft.validate_new(day(3)).is_ok(), "ends today");
        let e = draft.validate_new(day(4)).unwrap_err();
        assert_eq!(e.fields["ends_on"], FieldCode::AlreadyOver);
        // Without its organisation: that is named too, beside what else is wrong.
        let e = ActivityDraft {
            organisation_id: 0,
            title: Localised::default(),
            ..draft.clone()
        }
        .validate_new(None)
        .unwrap_err();
        assert_eq!(
            fields(e),
            [
                ("organisation_id".into(), FieldCode::OrganisationRequired),
                ("title".into(), FieldCode::TitleRequired),
            ]
        );
        let e = draft.validate_new(None).unwrap_err();
        assert_eq!(
            fields(e),
            [("organisation_id".into(), FieldCode::OrganisationUnknown)]
        );
        // An ended activity may still be edited (no `today` there).
        assert!(draft.validate().is_ok());
        // Its own error on the field comes first; others stay.
        let e = ActivityDraft {
            title: Localised::default(),
            ends_on: NaiveDate::from_ymd_opt(2020, 8, 31).unwrap(),
            ..draft
        }
        .validate_new(day(4))
        .unwrap_err();
        assert_eq!(e.fields["ends_on"], FieldCode::EndBeforeStart);
        assert_eq!(e.fields["title"], FieldCode::TitleRequired);
    }

    #[test]
    fn activity_texts_refuse_controls_but_descriptions_keep_their_lines() {
        let draft = ActivityDraft {
            title: Localised::new("开放日", "Open day"),
            description: Localised::new("第一段\n\n第二段\r\n\t第三段", ""),
            safety_notes: Localised::new("", "Wear shoes.\nNo food."),
            ..open_day("")
        };
        assert!(draft.validate().is_ok());
        let e = ActivityDraft {
            title: Localised::new("开放日", "a\u{7}b"),
            description: Localised::new("第一行\u{B}第二行", ""),
            safety_notes: Localised::new("\u{202E}危险", ""),
            ..draft.clone()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["title"], FieldCode::TextInvalid);
        assert_eq!(e.fields["description"], FieldCode::TextInvalid);
        assert_eq!(e.fields["safety_notes"], FieldCode::TextInvalid);
        let e = ActivityDraft {
            title: Localised::new("开放\n日", ""),
            ..draft.clone()
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            e.fields["title"],
            FieldCode::TextInvalid,
            "a title is one line"
        );
        let e = ActivityDraft {
            title: Localised::new("\u{200B}\u{2060}", ""),
            ..draft
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["title"], FieldCode::TitleRequired);
    }

    #[test]
    fn session_titles_and_places_are_single_visible_lines() {
        let e = SessionDraft {
            title: Localised::new("a\u{7}b", ""),
            place: Localised::new("一楼\n大厅", ""),
            ..session()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["title"], FieldCode::TextInvalid);
        assert_eq!(e.fields["place"], FieldCode::TextInvalid);
        let e = SessionDraft {
            place: Localised::new("\u{FEFF}", "Hall"),
            ..session()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["place"], FieldCode::PlaceRequired);
        let e = SessionDraft {
            title: Localised::new("上午场", "\u{2067}Morning"),
            ..session()
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields["title"], FieldCode::TextInvalid);
        // No title at all is still fine; a join link with an override is no link.
        let untitled = SessionDraft {
            title: Localised::default(),
            ..session()
        };
        assert!(untitled.validate().is_ok());
        assert!(!is_web_link("https://lab.example/\u{202E}gpj.exe"));
    }

    #[test]
    fn sessions_and_series_fall_within_their_activitys_days() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 9, d).unwrap();
        let days = ActivityDays {
            starts_on: day(20),
            ends_on: day(22),
        };
        let valid = |s: SessionDraft| s.validate().unwrap();
        assert_eq!(days.hold_session(&valid(session())), Ok(()));
        // Until midnight after the last day, but not past it.
        let last = SessionDraft {
            starts_at: at(22, 22, 0),
            ends_at: at(23, 0, 0),
            booking_closes_at: at(22, 21, 0),
            cancel_deadline: at(22, 21, 0),
            ..session()
        };
        assert_eq!(days.hold_session(&valid(last.clone())), Ok(()));
        let past_midnight = SessionDraft {
            ends_at: at(23, 0, 30),
            ..last
        };
        assert_eq!(
            fields(days.hold_session(&valid(past_midnight)).unwrap_err()),
            vec![("ends_at".into(), FieldCode::OutsideActivity)]
        );
        let before = ActivityDays {
            starts_on: day(21),
            ..days
        };
        assert_eq!(
            fields(before.hold_session(&valid(session())).unwrap_err()),
            vec![("starts_at".into(), FieldCode::OutsideActivity)]
        );
        let after = ActivityDays {
            starts_on: day(10),
            ends_on: day(19),
        };
        assert_eq!(
            fields(after.hold_session(&valid(session())).unwrap_err()),
            vec![
                ("ends_at".into(), FieldCode::OutsideActivity),
                ("starts_at".into(), FieldCode::OutsideActivity),
            ]
        );
        // A series: its first and last dates.
        let september = ActivityDays {
            starts_on: day(1),
            ends_on: day(14),
        };
        assert_eq!(september.hold_series(&series()), Ok(()));
        let later = ActivityDays {
            starts_on: day(2),
            ends_on: day(13),
        };
        assert_eq!(
            fields(later.hold_series(&series()).unwrap_err()),
            vec![
                ("from".into(), FieldCode::OutsideActivity),
                ("to".into(), FieldCode::OutsideActivity),
            ]
        );
    }

    #[test]
    fn an_activitys_new_days_keep_its_sessions() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 9, d).unwrap();
        let at = |d: u32, h: u32| day(d).and_hms_opt(h, 0, 0).unwrap();
        let days = |first: u32, last: u32| ActivityDays {
            starts_on: day(first),
            ends_on: day(last),
        };
        // On the first day, and from 22:00 on the last until its midnight.
        let sessions = [(at(20, 9), at(20, 10)), (at(22, 22), at(23, 0))];
        assert_eq!(days(20, 22).hold_sessions(sessions), Ok(()));
        assert_eq!(days(19, 23).hold_sessions(sessions), Ok(()));
        assert_eq!(days(20, 22).hold_sessions([]), Ok(()));
        let outside = |before_first, after_last| {
            Err(SessionsOutside {
                before_first,
                after_last,
            })
        };
        assert_eq!(days(21, 22).hold_sessions(sessions), outside(true, false));
        assert_eq!(days(20, 21).hold_sessions(sessions), outside(false, true));
        assert_eq!(days(21, 21).hold_sessions(sessions), outside(true, true));
        // Past the midnight after the last day, though it starts on it.
        let late = [(at(22, 23), at(23, 1))];
        assert_eq!(days(20, 22).hold_sessions(late), outside(false, true));
        assert_eq!(
            fields(ApiError::from(SessionsOutside {
                before_first: true,
                after_last: true,
            })),
            vec![
                ("ends_on".into(), FieldCode::SessionsOutside),
                ("starts_on".into(), FieldCode::SessionsOutside),
            ]
        );
    }

    #[test]
    fn a_wrong_time_is_marked_alone_not_the_times_compared_with_it() {
        let far = NaiveDate::from_ymd_opt(202_612, 9, 7).unwrap();
        let e = SessionDraft {
            starts_at: far.and_hms_opt(9, 30, 0).unwrap(),
            ..session()
        }
        .validate()
        .unwrap_err();
        assert_eq!(fields(e), [("starts_at".into(), FieldCode::DateInvalid)]);
        let e = SessionDraft {
            booking_opens_at: far.and_hms_opt(9, 0, 0).unwrap(),
            ..session()
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            fields(e),
            [("booking_opens_at".into(), FieldCode::DateInvalid)]
        );
        let e = SessionSeries {
            from: far,
            ..series()
        }
        .expand(at(1, 0, 0))
        .unwrap_err();
        assert_eq!(fields(e), [("from".into(), FieldCode::DateInvalid)]);
        for first in [far, NaiveDate::from_ymd_opt(1999, 1, 1).unwrap()] {
            let e = ActivityDraft {
                starts_on: first,
                ..open_day("开放日")
            }
            .validate()
            .unwrap_err();
            assert_eq!(fields(e), [("starts_on".into(), FieldCode::DateInvalid)]);
        }
        let leap = NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500).unwrap();
        let e = SessionSeries {
            day_starts: leap,
            ..series()
        }
        .expand(at(1, 0, 0))
        .unwrap_err();
        let marked = fields(e);
        assert_eq!(marked[0], ("day_starts".into(), FieldCode::DateInvalid));
        assert!(!marked.iter().any(|(k, _)| k == "day_ends"), "{marked:?}");
    }

    fn series() -> SessionSeries {
        SessionSeries {
            // 2026-09-01 is a Tuesday.
            from: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2026, 9, 14).unwrap(),
            weekdays: vec![2, 4],
            day_starts: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            day_ends: NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
            length_minutes: 45,
            gap_minutes: 15,
            format: SessionFormat::Demo,
            title: Localised::new("演示", "Demo"),
            place: Localised::new("二楼", "First floor"),
            address: Localised::default(),
            join_link: None,
            capacity: 20,
            reserved_places: 5,
            per_booking_limit: 2,
            booking_opens_at: at(1, 0, 0) - Duration::days(7),
            closes_minutes_before: 60,
            cancel_minutes_before: 120,
        }
    }

    #[test]
    fn dates_at_the_ends_of_the_calendar_are_refused_not_computed() {
        let far = NaiveDate::from_ymd_opt(262_142, 12, 31).unwrap();
        let early = NaiveDate::from_ymd_opt(-262_143, 1, 1).unwrap();
        for (from, to) in [(far, far), (early, early), (early, far)] {
            let e = SessionSeries {
                from,
                to,
                weekdays: (1..=7).collect(),
                closes_minutes_before: 1,
                ..series()
            }
            .expand(at(1, 0, 0))
            .unwrap_err();
            assert_eq!(e.fields["from"], FieldCode::DateInvalid, "{from}");
        }
        let ten_thousand = NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
        let mut draft = series().session_at(
            ten_thousand.and_hms_opt(9, 0, 0).unwrap(),
            Duration::hours(1),
        );
        draft.booking_opens_at = at(1, 0, 0);
        assert_eq!(
            draft.validate().unwrap_err().fields["starts_at"],
            FieldCode::DateInvalid
        );
    }

    #[test]
    fn a_session_sent_twice_is_found_but_a_parallel_group_is_not() {
        let now = at(1, 0, 0) - Duration::days(1);
        let sessions = series().expand(now).unwrap();
        let second = sessions[1].get();
        let held = |title: &str, place: &str, address: &str| {
            let [title, place, address] = [title, place, address].map(str::to_owned);
            vec![(second.starts_at, title, place, address)]
        };
        assert_eq!(
            first_already_scheduled(&sessions, &held("演示", "二楼", "")),
            Some(second.starts_at)
        );
        for other in [
            held("演示 B 组", "二楼", ""),
            held("演示", "三楼", ""),
            held("演示", "二楼", "八一菜场"),
        ] {
            assert_eq!(first_already_scheduled(&sessions, &other), None);
        }
        assert_eq!(first_already_scheduled(&sessions, &[]), None);
    }

    #[test]
    fn a_series_makes_slots_on_the_chosen_weekdays_only() {
        let made = series().expand(at(1, 0, 0) - Duration::days(1)).unwrap();
        let starts: Vec<NaiveDateTime> = made.iter().map(|s| s.get().starts_at).collect();
        // Tue 1, Thu 3, Tue 8, Thu 10; 09:00 and 10:00 (a third slot would end at 11:45).
        assert_eq!(
            starts,
            vec![
                at(1, 9, 0),
                at(1, 10, 0),
                at(3, 9, 0),
                at(3, 10, 0),
                at(8, 9, 0),
                at(8, 10, 0),
                at(10, 9, 0),
                at(10, 10, 0),
            ]
        );
        let first = made[0].get();
        assert_eq!(first.ends_at, at(1, 9, 45));
        assert_eq!(first.booking_closes_at, at(1, 8, 0));
        assert_eq!(first.cancel_deadline, at(1, 7, 0));
        assert_eq!(first.capacity, 20);
        assert_eq!(first.reserved_places, 5);
    }

    #[test]
    fn a_slot_may_end_exactly_at_the_end_of_the_day() {
        let exact = SessionSeries {
            day_ends: NaiveTime::from_hms_opt(10, 45, 0).unwrap(),
            weekdays: vec![2],
            to: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
            ..series()
        };
        assert_eq!(exact.expand(at(1, 0, 0)).unwrap().len(), 2);
    }

    #[test]
    fn malformed_empty_and_huge_series_are_refused() {
        let now = at(1, 0, 0) - Duration::days(1);
        let e = SessionSeries {
            weekdays: vec![0, 8],
            length_minutes: 1,
            to: NaiveDate::from_ymd_opt(2026, 8, 1).unwrap(),
            day_ends: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            ..series()
        }
        .expand(now)
        .unwrap_err();
        for field in ["weekdays", "length_minutes", "to", "day_ends"] {
            assert!(e.fields.contains_key(field), "{field}: {e:?}");
        }
        // A malformed series' wrong counts and texts are named with it, not after it mends.
        let e = SessionSeries {
            length_minutes: 0,
            capacity: 0,
            per_booking_limit: 0,
            place: Localised::new(" ", ""),
            ..series()
        }
        .expand(now)
        .unwrap_err();
        assert_eq!(
            e.fields.keys().map(String::as_str).collect::<Vec<_>>(),
            ["capacity", "length_minutes", "per_booking_limit", "place"],
            "{e:?}"
        );
        let leap = SessionSeries {
            day_starts: serde_json::from_value(serde_json::json!("09:00:60")).unwrap(),
            ..series()
        };
        assert_eq!(
            leap.expand(now).unwrap_err().fields["day_starts"],
            FieldCode::DateInvalid
        );
        let sundays_only = SessionSeries {
            weekdays: vec![7],
            to: NaiveDate::from_ymd_opt(2026, 9, 5).unwrap(),
            ..series()
        };
        assert_eq!(
            sundays_only.expand(now).unwrap_err().fields["weekdays"],
            FieldCode::NoSessions
        );
        let huge = SessionSeries {
            weekdays: (1..=7).collect(),
            to: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            day_starts: NaiveTime::from_hms_opt(0, 0, 0).unwrap(),
            day_ends: NaiveTime::from_hms_opt(23, 59, 0).unwrap(),
            length_minutes: 5,
            gap_minutes: 0,
            ..series()
        };
        assert_eq!(
            huge.expand(now).unwrap_err().fields["to"],
            FieldCode::TooManySessions
        );
        // The session rules apply to every generated session.
        let full = SessionSeries {
            capacity: 1,
            ..series()
        };
        assert_eq!(
            full.expand(now).unwrap_err().fields["per_booking_limit"],
            FieldCode::LimitAboveCapacity
        );
    }

    #[test]
    fn a_series_from_a_day_under_way_makes_the_slots_still_to_come() {
        // Half past nine on its first day: 09:00 has begun, 10:00 and the later days stay.
        let rest = series().expand(at(1, 9, 30)).unwrap();
        assert_eq!(rest.len(), 7);
        assert_eq!(rest[0].get().starts_at, at(1, 10, 0));
        // At 10:00 on its last day every slot has begun: the whole series is in the past.
        let refused = series().expand(at(10, 10, 0)).unwrap_err();
        assert_eq!(refused.fields["from"], FieldCode::InPast);
        assert_eq!(refused.fields.len(), 1, "{refused:?}");
    }

    #[test]
    fn a_series_day_may_end_at_midnight() {
        let evenings = SessionSeries {
            day_starts: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            day_ends: NaiveTime::MIN,
            length_minutes: 60,
            gap_minutes: 0,
            ..series()
        };
        let made = evenings.expand(at(1, 0, 0) - Duration::days(1)).unwrap();
        let times: Vec<_> = made
            .iter()
            .take(2)
            .map(|s| (s.get().starts_at, s.get().ends_at))
            .collect();
        assert_eq!(
            times,
            vec![(at(1, 22, 0), at(1, 23, 0)), (at(1, 23, 0), at(2, 0, 0))]
        );
        assert_eq!(made.len(), 8, "two a day on four days");
        // Another end before the start is still refused.
        let backwards = SessionSeries {
            day_ends: NaiveTime::from_hms_opt(1, 0, 0).unwrap(),
            ..evenings
        };
        let refused = backwards.expand(at(1, 0, 0)).unwrap_err();
        assert_eq!(refused.fields["day_ends"], FieldCode::EndBeforeStart);
    }

    #[test]
    fn series_times_read_as_hours_and_minutes() {
        let t: NaiveTime = serde_json::from_value(serde_json::json!("09:30")).unwrap();
        assert_eq!(t, NaiveTime::from_hms_opt(9, 30, 0).unwrap());
    }
}
