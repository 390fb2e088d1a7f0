//! Sessions: bookable time slots of an activity, and the rules that decide whether a
//! citizen can book one right now and how many places remain.

use crate::activity::Localised;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// How a session is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionFormat {
    /// On-site lab visit (tour).
    Visit,
    /// Electrical-safety / EMC / VR demonstration.
    Demo,
    /// Vegetable pesticide quick-test point.
    QuickTest,
    /// Online lecture; the join link is revealed only to holders.
    CloudClassroom,
}

impl SessionFormat {
    pub const ALL: [SessionFormat; 4] = [
        SessionFormat::Visit,
        SessionFormat::Demo,
        SessionFormat::QuickTest,
        SessionFormat::CloudClassroom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SessionFormat::Visit => "visit",
            SessionFormat::Demo => "demo",
            SessionFormat::QuickTest => "quick_test",
            SessionFormat::CloudClassroom => "cloud_classroom",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == raw)
    }
}

/// Whether places remain, as a card or a session row shows it (never colour alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Open,
    FewLeft,
    Full,
    /// Called off by its organiser: nothing to book, whatever places it had.
    Cancelled,
}

impl Availability {
    /// "Few left" is at most a fifth of the capacity, or five places, whichever is larger.
    pub fn of(capacity: u32, booked: u32) -> Availability {
        let left = capacity.saturating_sub(booked);
        if left == 0 {
            Availability::Full
        } else if left <= (capacity / 5).max(5) {
            Availability::FewLeft
        } else {
            Availability::Open
        }
    }
}

/// A session's places and who holds them. Some places may be reserved for people without a
/// smartphone (China's rules for older citizens keep an offline channel open): online
/// bookings never take a reserved place; walk-ins booked at the door take the reserved places
/// first, then free ones; and nobody, online or at the door, is ever let past the capacity.
///
/// With `capacity` C, `reserved` R, `walk_ins` W (people booked at the door) and `booked` B
/// (everyone holding a place, walk-ins included), the places left are:
/// - for a walk-in: `C − B`, every free place;
/// - online: `C − B − max(R − W, 0)`, the free places less the reserved ones no walk-in has
///   taken yet.
///
/// What always holds: `B ≤ C`, `W ≤ B`, `R ≤ C`, and the online bookings never reach into the
/// reserved places, `(B − W) + max(R, W) ≤ C` ([`Places::holds`]). Both admissions keep it,
/// and a capacity or reservation change is refused when it would break it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Places {
    pub capacity: u32,
    /// Places kept for walk-ins.
    pub reserved: u32,
    /// People holding places: online bookings confirmed or checked in, and walk-ins.
    pub booked: u32,
    /// People among `booked` who were booked at the door.
    pub walk_ins: u32,
}

impl Places {
    /// Reserved places no walk-in has taken yet.
    pub fn reserved_open(&self) -> u32 {
        self.reserved.saturating_sub(self.walk_ins)
    }

    /// Places a walk-in may still take: every free place, reserved or not.
    pub fn walk_in_free(&self) -> u32 {
        self.capacity.saturating_sub(self.booked)
    }

    /// Places an online booking may still take: the free places less the open reserved ones.
    pub fn online_free(&self) -> u32 {
        self.walk_in_free().saturating_sub(self.reserved_open())
    }

    /// Whether the places are consistent: nobody past capacity, and the open reserved places
    /// still free (in u64, so a corrupt counter cannot wrap into "holds").
    pub fn holds(&self) -> bool {
        self.walk_ins <= self.booked
            && self.reserved <= self.capacity
            && u64::from(self.booked) + u64::from(self.reserved_open()) <= u64::from(self.capacity)
    }

    /// The same people with another capacity and reservation, if that [`holds`](Self::holds).
    pub fn resized(&self, capacity: u32, reserved: u32) -> Option<Places> {
        let resized = Places {
            capacity,
            reserved,
            ..*self
        };
        resized.holds().then_some(resized)
    }

    /// The availability an online booker sees: measured by the places they can take.
    pub fn availability(&self) -> Availability {
        Availability::of(
            self.capacity,
            self.capacity.saturating_sub(self.online_free()),
        )
    }

    /// Whether places remain on a session that is `status`: `cancelled` once its organiser
    /// called it off, however many places it had; otherwise [`Places::availability`].
    pub fn availability_when(&self, status: SessionStatus) -> Availability {
        match status {
            SessionStatus::Cancelled => Availability::Cancelled,
            SessionStatus::Scheduled => self.availability(),
        }
    }

    /// The places an online booking can take on a session that is `status`: none once it
    /// is cancelled (its freed places are not to be booked); otherwise
    /// [`Places::online_free`].
    pub fn left_when(&self, status: SessionStatus) -> u32 {
        match status {
            SessionStatus::Cancelled => 0,
            SessionStatus::Scheduled => self.online_free(),
        }
    }
}

/// Where the booking window of a session stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    NotYetOpen,
    Open,
    Closed,
}

/// The booking window: opens at `opens_at` (inclusive), closes at `closes_at` (exclusive).
pub fn window_state(
    now: NaiveDateTime,
    opens_at: NaiveDateTime,
    closes_at: NaiveDateTime,
) -> WindowState {
    if now < opens_at {
        WindowState::NotYetOpen
    } else if now < closes_at {
        WindowState::Open
    } else {
        WindowState::Closed
    }
}

/// Whether a session is still running or was called off by its organiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Scheduled,
    Cancelled,
}

impl SessionStatus {
    pub const ALL: [SessionStatus; 2] = [SessionStatus::Scheduled, SessionStatus::Cancelled];

    /// The name stored in the database and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Scheduled => "scheduled",
            SessionStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A session as the public sees it: never a join link, never anyone's personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: Localised,
    pub format: SessionFormat,
    pub title: Localised,
    /// Venue-local start and end.
    #[serde(with = "crate::time::wire::venue_datetime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub starts_at: NaiveDateTime,
    #[serde(with = "crate::time::wire::venue_datetime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub ends_at: NaiveDateTime,
    pub place: Localised,
    /// The street address when the session is not held at its organiser's (a quick-test
    /// desk at a market); absent when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_at: Option<Localised>,
    pub capacity: u32,
    /// People (adults + children) holding places: confirmed and checked-in bookings, and
    /// walk-ins.
    pub booked: u32,
    /// Places an online booking can still take ([`Places::online_free`]).
    pub places_left: u32,
    /// Places kept for walk-ins (people without a smartphone), whether taken or not.
    #[serde(default)]
    pub reserved_places: u32,
    /// People booked at the door.
    #[serde(default)]
    pub walk_ins: u32,
    pub availability: Availability,
    pub per_booking_limit: u32,
    #[serde(with = "crate::time::wire::venue_datetime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub booking_opens_at: NaiveDateTime,
    #[serde(with = "crate::time::wire::venue_datetime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub booking_closes_at: NaiveDateTime,
    #[serde(with = "crate::time::wire::venue_datetime")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub cancel_deadline: NaiveDateTime,
    pub window: WindowState,
    pub status: SessionStatus,
    /// People waiting for a place.
    pub waiting: u32,
    /// How far east of UTC the venue is, in minutes (480: UTC+8): the offset of every time
    /// above, which is the venue's wall-clock time.
    pub utc_offset_minutes: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        crate::time::test_time(20, h, m, 0)
    }

    #[test]
    fn window_opens_inclusive_and_closes_exclusive() {
        let (open, close) = (at(9, 0), at(17, 0));
        assert_eq!(
            window_state(at(8, 59), open, close),
            WindowState::NotYetOpen
        );
        assert_eq!(window_state(at(9, 0), open, close), WindowState::Open);
        assert_eq!(window_state(at(16, 59), open, close), WindowState::Open);
        assert_eq!(window_state(at(17, 0), open, close), WindowState::Closed);
    }

    #[test]
    fn a_cancelled_session_is_never_open_whatever_its_places() {
        let p = places(40, 0, 0, 0);
        assert_eq!(
            p.availability_when(SessionStatus::Scheduled),
            Availability::Open
        );
        assert_eq!(
            p.availability_when(SessionStatus::Cancelled),
            Availability::Cancelled
        );
        assert_eq!(
            places(40, 0, 40, 0).availability_when(SessionStatus::Cancelled),
            Availability::Cancelled
        );
        assert_eq!(p.left_when(SessionStatus::Scheduled), 40);
        assert_eq!(p.left_when(SessionStatus::Cancelled), 0);
    }

    #[test]
    fn availability_levels() {
        assert_eq!(Availability::of(40, 40), Availability::Full);
        assert_eq!(Availability::of(40, 41), Availability::Full);
        assert_eq!(Availability::of(40, 32), Availability::FewLeft);
        assert_eq!(Availability::of(40, 31), Availability::Open);
        assert_eq!(Availability::of(100, 80), Availability::FewLeft);
        assert_eq!(Availability::of(100, 79), Availability::Open);
    }

    fn places(capacity: u32, reserved: u32, booked: u32, walk_ins: u32) -> Places {
        Places {
            capacity,
            reserved,
            booked,
            walk_ins,
        }
    }

    #[test]
    fn online_bookings_never_take_reserved_places_and_walk_ins_take_them_first() {
        // 10 places, 3 reserved, 5 booked online: 2 left online, 5 at the door.
        let p = places(10, 3, 5, 0);
        assert_eq!((p.online_free(), p.walk_in_free()), (2, 5));
        // A walk-in of 2 takes reserved places: the online places stay.
        let p = places(10, 3, 7, 2);
        assert_eq!(
            (p.online_free(), p.walk_in_free(), p.reserved_open()),
            (2, 3, 1)
        );
        // Walk-ins beyond the reservation take free places, online ones too.
        let p = places(10, 3, 9, 4);
        assert_eq!(
            (p.online_free(), p.walk_in_free(), p.reserved_open()),
            (1, 1, 0)
        );
        assert!(p.holds());
    }

    #[test]
    fn a_resize_must_keep_the_booked_people_and_the_open_reservation() {
        let p = places(10, 0, 8, 0);
        assert_eq!(p.resized(10, 2).map(|p| p.online_free()), Some(0));
        assert_eq!(
            p.resized(10, 3),
            None,
            "a reserved place is already booked online"
        );
        assert_eq!(p.resized(7, 0), None, "below the people booked");
        assert_eq!(
            places(10, 0, 8, 5).resized(8, 5).map(|p| p.walk_in_free()),
            Some(0)
        );
        assert_eq!(p.resized(5, 6), None, "more reserved than places");
    }

    proptest::proptest! {
        /// Online bookings and walk-ins in any order, each admitted only into the places it
        /// may take, never break the rule: nobody past capacity, the reserved places out of
        /// the online bookings' reach.
        #[test]
        fn any_mix_of_online_bookings_and_walk_ins_keeps_the_places_consistent(
            capacity in 0u32..40,
            reserved in 0u32..40,
            arrivals in proptest::collection::vec((proptest::bool::ANY, 1u32..6), 0..60),
        ) {
            let mut p = places(capacity, reserved.min(capacity), 0, 0);
            let mut online = 0;
            for (walk_in, people) in arrivals {
                if walk_in && people <= p.walk_in_free() {
                    p.booked += people;
                    p.walk_ins += people;
                } else if !walk_in && people <= p.online_free() {
                    p.booked += people;
                    online += people;
                }
                proptest::prop_assert!(p.holds());
                proptest::prop_assert!(online + p.reserved.max(p.walk_ins) <= capacity);
            }
        }
    }
}
