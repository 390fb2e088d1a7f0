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
    pub capacity: u32,
    /// People (adults + children) in confirmed bookings.
    pub booked: u32,
    pub places_left: u32,
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
    fn availability_levels() {
        assert_eq!(Availability::of(40, 40), Availability::Full);
        assert_eq!(Availability::of(40, 41), Availability::Full);
        assert_eq!(Availability::of(40, 32), Availability::FewLeft);
        assert_eq!(Availability::of(40, 31), Availability::Open);
        assert_eq!(Availability::of(100, 80), Availability::FewLeft);
        assert_eq!(Availability::of(100, 79), Availability::Open);
    }
}
