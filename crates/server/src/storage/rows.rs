//! Row shapes shared by the SQLite and PostgreSQL implementations: both schemas use the
//! same table and column names, and the column types decode to the same Rust types, so
//! the select lists and the conversion into wire views are written once.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use labday_domain::activity::{ActivityKind, ActivitySummary, Localised};
use labday_domain::booking::{self, BookingCode, BookingStatus};
use labday_domain::session::{window_state, Availability, Places, SessionStatus, WindowState};
use labday_domain::time::venue_local;
use labday_domain::{BookingView, Phone, SessionFormat, SessionView};

pub(super) const SESSION_SELECT: &str =
    "SELECT s.id, s.activity_id, s.format, s.title_zh, s.title_en, \
    s.place_zh, s.place_en, s.address_zh AS held_at_zh, s.address_en AS held_at_en, \
    s.join_link, s.starts_at, s.ends_at, s.capacity, s.per_booking_limit, \
    s.booking_opens_at, s.booking_closes_at, s.cancel_deadline, s.status, s.booked, s.waiting, \
    s.reserved_places, s.walk_ins, s.queue_length, a.title_zh AS activity_title_zh, a.title_en AS activity_title_en, o.utc_offset_minutes, \
    o.name_zh AS org_name_zh, o.name_en AS org_name_en, o.address_zh, o.address_en \
    FROM sessions s JOIN activities a ON a.id = s.activity_id \
    JOIN organisations o ON o.id = a.organisation_id";

from_row! {
    /// A session with its activity's title and its organiser's name and address; `held_at`
    /// is the session's own address, empty when it is held at its organiser's.
    pub(super) struct SessionRow {
        pub(super) id: i64,
        pub(super) activity_id: i64,
        pub(super) format: SessionFormat,
        pub(super) title: Localised,
        pub(super) place: Localised,
        pub(super) held_at: Localised,
        pub(super) join_link: Option<String>,
        pub(super) starts_at: NaiveDateTime,
        pub(super) ends_at: NaiveDateTime,
        pub(super) capacity: u32,
        pub(super) per_booking_limit: u32,
        pub(super) booking_opens_at: NaiveDateTime,
        pub(super) booking_closes_at: NaiveDateTime,
        pub(super) cancel_deadline: NaiveDateTime,
        pub(super) status: SessionStatus,
        pub(super) booked: u32,
        pub(super) waiting: u32,
        pub(super) reserved_places: u32,
        pub(super) walk_ins: u32,
        pub(super) queue_length: u32,
        pub(super) activity_title: Localised,
        pub(super) utc_offset_minutes: i64,
        pub(super) org_name: Localised,
        pub(super) address: Localised,
    }
}

impl SessionRow {
    pub(super) fn local_now(&self, now: DateTime<Utc>) -> NaiveDateTime {
        venue_local(now, self.utc_offset_minutes as i32)
    }

    pub(super) fn status(&self) -> SessionStatus {
        self.status
    }

    pub(super) fn places(&self) -> Places {
        Places {
            capacity: self.capacity,
            reserved: self.reserved_places,
            booked: self.booked,
            walk_ins: self.walk_ins,
        }
    }

    /// What the booking rules need of this session.
    pub(super) fn facts(&self) -> booking::SessionFacts {
        booking::SessionFacts {
            status: self.status,
            booking_opens_at: self.booking_opens_at,
            booking_closes_at: self.booking_closes_at,
            per_booking_limit: self.per_booking_limit,
            places: self.places(),
        }
    }

    /// Its own address when it is held away from its organiser's.
    fn held_elsewhere(&self) -> Option<&Localised> {
        (!self.held_at.zh.is_empty()).then_some(&self.held_at)
    }

    /// Where to come: its own address, or its organiser's.
    pub(super) fn address(&self) -> &Localised {
        self.held_elsewhere().unwrap_or(&self.address)
    }

    pub(super) fn view(&self, now: DateTime<Utc>) -> SessionView {
        let places = self.places();
        let status = self.status();
        let window = window(
            status,
            self.local_now(now),
            (self.booking_opens_at, self.booking_closes_at),
        );
        SessionView {
            id: self.id,
            activity_id: self.activity_id,
            activity_title: self.activity_title.clone(),
            format: self.format,
            title: self.title.clone(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            place: self.place.clone(),
            held_at: self.held_elsewhere().cloned(),
            capacity: places.capacity,
            booked: places.booked,
            places_left: places.left_when(status),
            availability: places.availability_when(status),
            reserved_places: places.reserved,
            walk_ins: places.walk_ins,
            per_booking_limit: self.per_booking_limit,
            booking_opens_at: self.booking_opens_at,
            booking_closes_at: self.booking_closes_at,
            cancel_deadline: self.cancel_deadline,
            window,
            status,
            waiting: self.waiting,
            utc_offset_minutes: self.utc_offset_minutes as i32,
        }
    }
}

/// Whether a session can be booked at `local_now`: never once cancelled.
fn window(
    status: SessionStatus,
    local_now: NaiveDateTime,
    (opens, closes): (NaiveDateTime, NaiveDateTime),
) -> WindowState {
    match status {
        SessionStatus::Cancelled => WindowState::Closed,
        SessionStatus::Scheduled => window_state(local_now, opens, closes),
    }
}

/// What the activity list reads of a session: the figures it sums, none of the texts.
/// Under a rush every booking makes the list stale, so it is read again every few
/// milliseconds, and each column read is a copy.
pub(super) const SESSION_FIGURES_SELECT: &str =
    "SELECT s.activity_id, s.format, s.ends_at, s.capacity, s.booking_opens_at, \
    s.booking_closes_at, s.status, s.booked, s.reserved_places, s.walk_ins, \
    o.utc_offset_minutes \
    FROM sessions s JOIN activities a ON a.id = s.activity_id \
    JOIN organisations o ON o.id = a.organisation_id";

from_row! {
    pub(super) struct SessionFigures {
        pub(super) activity_id: i64,
        pub(super) format: SessionFormat,
        pub(super) ends_at: NaiveDateTime,
        pub(super) capacity: u32,
        pub(super) booking_opens_at: NaiveDateTime,
        pub(super) booking_closes_at: NaiveDateTime,
        pub(super) status: SessionStatus,
        pub(super) booked: u32,
        pub(super) reserved_places: u32,
        pub(super) walk_ins: u32,
        pub(super) utc_offset_minutes: i64,
    }
}

impl SessionFigures {
    /// Whether the session is still to end at `now`, venue-local.
    pub(super) fn to_come(&self, now: DateTime<Utc>) -> bool {
        self.ends_at > venue_local(now, self.utc_offset_minutes as i32)
    }

    pub(super) fn counted(&self, now: DateTime<Utc>) -> Counted {
        let places = Places {
            capacity: self.capacity,
            reserved: self.reserved_places,
            booked: self.booked,
            walk_ins: self.walk_ins,
        };
        let local_now = venue_local(now, self.utc_offset_minutes as i32);
        let opens_closes = (self.booking_opens_at, self.booking_closes_at);
        Counted {
            format: self.format,
            window: window(self.status, local_now, opens_closes),
            capacity: places.capacity,
            places_left: places.online_free(),
        }
    }
}

/// A session as its activity's summary counts it (a cancelled one's window is closed).
pub(super) struct Counted {
    format: SessionFormat,
    window: WindowState,
    capacity: u32,
    places_left: u32,
}

impl From<&SessionView> for Counted {
    fn from(s: &SessionView) -> Counted {
        Counted {
            format: s.format,
            window: s.window,
            capacity: s.capacity,
            places_left: s.places_left,
        }
    }
}

/// A stored booking or sample code. A row holds the code it was made with; one that no
/// longer parses shows as the all-zero code rather than failing the whole view.
pub(super) fn stored_code(code: &str) -> BookingCode {
    BookingCode::parse(code).unwrap_or_else(|_| BookingCode::from_random([0; 8]))
}

/// A stored phone: `None` once erased (or if it no longer parses).
pub(super) fn stored_phone(phone: Option<&str>) -> Option<Phone> {
    phone.and_then(|p| Phone::parse(p).ok())
}

/// The people in a booking read back from the database, checked as a request's party is:
/// a row no request could have made is an error.
pub(super) fn party_size(adults: i64, children: i64) -> Result<u32, sqlx::Error> {
    let impossible = || {
        sqlx::Error::Decode(
            format!("impossible party: {adults} adults, {children} children").into(),
        )
    };
    let (adults, children) = (count(adults)?, count(children)?);
    booking::Party::parse(adults, children, booking::PARTY_HARD_LIMIT)
        .map(booking::Party::people)
        .map_err(|_| impossible())
}

/// A count read back from the database. Out of range (negative, or beyond `u32`) is an
/// error, never clamped: a corrupt counter must stop the operation, not steer it.
pub(super) fn count(v: i64) -> Result<u32, sqlx::Error> {
    u32::try_from(v).map_err(|_| sqlx::Error::Decode(format!("count out of range: {v}").into()))
}

from_row! {
    pub(super) struct ActivityRow {
        pub(super) id: i64,
        pub(super) kind: ActivityKind,
        pub(super) title: Localised,
        pub(super) description: Localised,
        pub(super) safety: Localised,
        pub(super) starts_on: NaiveDate,
        pub(super) ends_on: NaiveDate,
        pub(super) org_name: Localised,
        pub(super) city: Localised,
        pub(super) address: Localised,
        pub(super) contact: String,
    }
}

pub(super) const ACTIVITY_SELECT: &str =
    "SELECT a.id, a.kind, a.title_zh, a.title_en, a.description_zh, \
    a.description_en, a.safety_zh, a.safety_en, a.starts_on, a.ends_on, \
    o.name_zh AS org_name_zh, o.name_en AS org_name_en, o.city_zh, o.city_en, \
    o.address_zh, o.address_en, o.contact \
    FROM activities a JOIN organisations o ON o.id = a.organisation_id";

impl ActivityRow {
    pub(super) fn summary(&self, sessions: &[SessionView]) -> ActivitySummary {
        let listed = ListedActivityRow {
            id: self.id,
            kind: self.kind,
            title: self.title.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            org_name: self.org_name.clone(),
            city: self.city.clone(),
        };
        let counted: Vec<Counted> = sessions.iter().map(Counted::from).collect();
        listed.summary(&counted)
    }
}

/// What the activity list reads of an activity: what a summary shows, not the long texts.
pub(super) const LISTED_ACTIVITY_SELECT: &str =
    "SELECT a.id, a.kind, a.title_zh, a.title_en, a.starts_on, a.ends_on, \
    o.name_zh AS org_name_zh, o.name_en AS org_name_en, o.city_zh, o.city_en \
    FROM activities a JOIN organisations o ON o.id = a.organisation_id";

from_row! {
    pub(super) struct ListedActivityRow {
        pub(super) id: i64,
        pub(super) kind: ActivityKind,
        pub(super) title: Localised,
        pub(super) starts_on: NaiveDate,
        pub(super) ends_on: NaiveDate,
        pub(super) org_name: Localised,
        pub(super) city: Localised,
    }
}

impl ListedActivityRow {
    /// The activity as the list shows it, from its sessions still to come.
    pub(super) fn summary(&self, sessions: &[Counted]) -> ActivitySummary {
        let mut formats: Vec<SessionFormat> = sessions.iter().map(|s| s.format).collect();
        formats.sort();
        formats.dedup();
        let bookable = sessions.iter().filter(|s| s.window != WindowState::Closed);
        // Summed in u64: many large sessions together may pass u32. What is left is what
        // an online booking can take (never the reserved places).
        let (capacity, left) = bookable.fold((0u64, 0u64), |(c, l), s| {
            (c + u64::from(s.capacity), l + u64::from(s.places_left))
        });
        let booked = capacity.saturating_sub(left);
        let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        ActivitySummary {
            id: self.id,
            kind: self.kind,
            title: self.title.clone(),
            organisation: self.org_name.clone(),
            city: self.city.clone(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            formats,
            places_left: narrow(left),
            availability: Availability::of(narrow(capacity), narrow(booked)),
        }
    }
}

from_row! {
    pub(super) struct BookingRow {
        pub(super) id: i64,
        pub(super) session_id: i64,
        pub(super) code: String,
        pub(super) name: Option<String>,
        pub(super) phone: Option<String>,
        pub(super) adults: u32,
        pub(super) children: u32,
        pub(super) status: BookingStatus,
        pub(super) booked_at: NaiveDateTime,
    }
}

/// A booking's row; its session's row (`SESSION_SELECT`) has the rest of the holder's view.
pub(super) const BOOKING_SELECT: &str =
    "SELECT b.id, b.session_id, b.code, b.name, b.phone, b.adults, \
    b.children, b.status, b.booked_at FROM bookings b";

impl BookingRow {
    pub(super) fn status(&self) -> BookingStatus {
        self.status
    }

    /// What the holder's view shows of the booking itself.
    pub(super) fn holding(&self) -> Holding<'_> {
        Holding {
            code: &self.code,
            name: self.name.as_deref(),
            phone: self.phone.as_deref(),
            adults: self.adults,
            children: self.children,
            status: self.status,
            booked_at: self.booked_at,
        }
    }
}

/// What the holder's view shows of a booking itself, as stored: read back from its row,
/// or, for a booking its transaction has just written, the values it wrote.
pub(super) struct Holding<'a> {
    pub(super) code: &'a str,
    pub(super) name: Option<&'a str>,
    pub(super) phone: Option<&'a str>,
    pub(super) adults: u32,
    pub(super) children: u32,
    pub(super) status: BookingStatus,
    pub(super) booked_at: NaiveDateTime,
}

impl Holding<'_> {
    /// The holder's view, given the booking's session and its place on the waiting list.
    pub(super) fn view(
        &self,
        s: &SessionRow,
        waitlist_position: Option<u32>,
        now: DateTime<Utc>,
    ) -> BookingView {
        let status = self.status;
        let session = s.view(now);
        let join_link = (status.holds_places() && session.format == SessionFormat::CloudClassroom)
            .then(|| s.join_link.clone())
            .flatten();
        let can_cancel = matches!(status, BookingStatus::Confirmed | BookingStatus::Waitlisted)
            && session.status == SessionStatus::Scheduled
            && booking::can_cancel(s.local_now(now), s.cancel_deadline);
        let can_erase = booking::erase(status, s.local_now(now), s.ends_at).is_ok();
        BookingView {
            code: stored_code(self.code),
            status,
            name_masked: self.name.map(booking::mask_name).unwrap_or_default(),
            phone_masked: stored_phone(self.phone)
                .map(|p| p.masked())
                .unwrap_or_default(),
            adults: self.adults,
            children: self.children,
            waitlist_position,
            session,
            organisation: s.org_name.clone(),
            address: s.address().clone(),
            join_link,
            can_cancel,
            can_erase,
            booked_at: self.booked_at,
        }
    }
}
