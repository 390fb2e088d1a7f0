//! The booking rules in one place: whether a booking is taken, and as what. Storage reads
//! the facts ([`Snapshot`]), asks [`decide`] (or [`cancel`]), and writes the answer; it
//! decides nothing itself. Both databases' admission paths call these functions, so a rule
//! changes here once.
//!
//! The checks run in a fixed order, and the order is part of the rule: what is refused
//! first is what the caller learns. Everything that needs nothing about the phone comes
//! first (cancelled, window, party size, a party over any day's limit), so a refusal never
//! tells a guesser whether a number has booked; then the phone's own record (duplicate,
//! daily limit, no-show pause); capacity last, which decides confirmed or waitlisted.

use super::{admit, can_cancel, within_daily_limit, BookingStatus, NoShowPolicy, Party};
use crate::error::ErrorCode;
use crate::session::{window_state, Places, SessionStatus, WindowState};
use chrono::{NaiveDate, NaiveDateTime};

/// What a booking decision knows about its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    pub status: SessionStatus,
    pub booking_opens_at: NaiveDateTime,
    pub booking_closes_at: NaiveDateTime,
    pub per_booking_limit: u32,
    /// Its places now: the capacity, the reserved places, and who holds them.
    pub places: Places,
}

/// What a booking decision knows about the phone's other bookings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhoneFacts {
    /// The phone already holds a booking (confirmed, waitlisted or checked in) for this
    /// session.
    pub holds_this_session: bool,
    /// People the phone's holding bookings bring on the session's day.
    pub people_that_day: u32,
    /// The session days of the phone's no-shows.
    pub no_show_days: Vec<NaiveDate>,
}

/// The deployment's booking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// People one phone may book per day across all sessions.
    pub daily_limit: u32,
    pub no_show: NoShowPolicy,
}

/// Everything one decision depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot<'a> {
    pub session: &'a SessionFacts,
    pub phone: &'a PhoneFacts,
    pub rules: Rules,
    /// The venue's local time now.
    pub now: NaiveDateTime,
}

/// Whether `party` may book, and as what: `Confirmed` when it fits in the places left,
/// `Waitlisted` when not, or the reason it is refused.
pub fn decide(facts: &Snapshot<'_>, party: Party) -> Result<BookingStatus, ErrorCode> {
    let Snapshot {
        session,
        phone,
        rules,
        now,
    } = facts;
    if session.status == SessionStatus::Cancelled {
        return Err(ErrorCode::SessionCancelled);
    }
    if window_state(*now, session.booking_opens_at, session.booking_closes_at) != WindowState::Open
    {
        return Err(ErrorCode::WindowClosed);
    }
    if party.people() > session.per_booking_limit {
        return Err(ErrorCode::PartyTooLarge);
    }
    if !within_daily_limit(0, party, rules.daily_limit) {
        return Err(ErrorCode::DailyLimit);
    }
    if phone.holds_this_session {
        return Err(ErrorCode::DuplicateBooking);
    }
    if !within_daily_limit(phone.people_that_day, party, rules.daily_limit) {
        return Err(ErrorCode::DailyLimit);
    }
    if rules
        .no_show
        .blocked_until(&phone.no_show_days, now.date())
        .is_some()
    {
        return Err(ErrorCode::NoShowBlocked);
    }
    // Online bookings never take the reserved places no walk-in has taken: they are
    // admitted against the capacity without those.
    let places = &session.places;
    Ok(admit(
        places.capacity.saturating_sub(places.reserved_open()),
        places.booked,
        party,
    ))
}

/// What a cancellation releases: the party's places (then the waiting list moves up) or its
/// place in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// `people` confirmed places come free.
    Places(u32),
    /// `people` leave the waiting list.
    Queue(u32),
}

/// Whether a booking in `status` may be cancelled at `now` (venue time), and what that
/// releases.
pub fn cancel(
    status: BookingStatus,
    people: u32,
    now: NaiveDateTime,
    deadline: NaiveDateTime,
) -> Result<Release, ErrorCode> {
    let release = match status {
        BookingStatus::Cancelled => return Err(ErrorCode::AlreadyCancelled),
        BookingStatus::CheckedIn | BookingStatus::NoShow => {
            return Err(ErrorCode::CancelDeadlinePassed)
        }
        BookingStatus::Confirmed => Release::Places(people),
        BookingStatus::Waitlisted => Release::Queue(people),
    };
    if !can_cancel(now, deadline) {
        return Err(ErrorCode::CancelDeadlinePassed);
    }
    Ok(release)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    pub(in crate::booking) fn at(day: u32, hour: u32) -> NaiveDateTime {
        crate::time::test_time(day, hour, 0, 0)
    }

    /// A scheduled session open from the 1st to the 15th, 4 a booking (the reschedule
    /// tests use it too).
    pub(in crate::booking) fn session(capacity: u32, booked: u32) -> SessionFacts {
        SessionFacts {
            status: SessionStatus::Scheduled,
            booking_opens_at: at(1, 9),
            booking_closes_at: at(15, 9),
            per_booking_limit: 4,
            places: Places {
                capacity,
                booked,
                ..Places::default()
            },
        }
    }

    fn rules() -> Rules {
        Rules {
            daily_limit: 5,
            no_show: NoShowPolicy::default(),
        }
    }

    fn party(adults: u32, children: u32) -> Party {
        Party::parse(adults, children, 20).unwrap()
    }

    fn decide_now(
        s: &SessionFacts,
        p: &PhoneFacts,
        party: Party,
    ) -> Result<BookingStatus, ErrorCode> {
        decide(
            &Snapshot {
                session: s,
                phone: p,
                rules: rules(),
                now: at(10, 12),
            },
            party,
        )
    }

    #[test]
    fn a_party_that_fits_is_confirmed_and_one_that_does_not_waits() {
        let none = PhoneFacts::default();
        assert_eq!(
            decide_now(&session(10, 8), &none, party(2, 0)),
            Ok(BookingStatus::Confirmed)
        );
        assert_eq!(
            decide_now(&session(10, 9), &none, party(2, 0)),
            Ok(BookingStatus::Waitlisted)
        );
    }

    #[test]
    fn online_bookings_wait_rather_than_take_a_reserved_place() {
        // 10 places, 3 reserved: 6 booked online leave one place online, and so do two
        // walk-ins in reserved places beside 6 online (8 booked).
        for (booked, walk_ins) in [(6, 0), (8, 2)] {
            let mut s = session(10, booked);
            s.places.reserved = 3;
            s.places.walk_ins = walk_ins;
            let none = PhoneFacts::default();
            let status = |people| decide_now(&s, &none, party(people, 0));
            assert_eq!(status(1), Ok(BookingStatus::Confirmed), "{booked}");
            assert_eq!(status(2), Ok(BookingStatus::Waitlisted), "{booked}");
        }
    }

    #[test]
    fn refusals_come_in_the_documented_order() {
        let mut s = session(10, 0);
        let mut phone = PhoneFacts {
            holds_this_session: true,
            people_that_day: 5,
            no_show_days: vec![NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(); 3],
        };
        let check = |s: &SessionFacts, phone: &PhoneFacts, adults, expected| {
            let got = decide_now(s, phone, party(adults, 0));
            assert_eq!(got, expected, "{adults} adults");
        };
        s.status = SessionStatus::Cancelled;
        check(&s, &phone, 1, Err(ErrorCode::SessionCancelled));
        s.status = SessionStatus::Scheduled;
        s.booking_closes_at = at(9, 0);
        check(&s, &phone, 1, Err(ErrorCode::WindowClosed));
        s.booking_closes_at = at(15, 9);
        check(&s, &phone, 5, Err(ErrorCode::PartyTooLarge));
        s.per_booking_limit = 20;
        // Over any day's limit: refused before the phone's record is looked at.
        check(&s, &phone, 6, Err(ErrorCode::DailyLimit));
        check(&s, &phone, 1, Err(ErrorCode::DuplicateBooking));
        phone.holds_this_session = false;
        check(&s, &phone, 1, Err(ErrorCode::DailyLimit));
        phone.people_that_day = 0;
        check(&s, &phone, 1, Err(ErrorCode::NoShowBlocked));
        phone.no_show_days.clear();
        check(&s, &phone, 1, Ok(BookingStatus::Confirmed));
    }

    #[test]
    fn a_party_over_the_daily_limit_learns_nothing_about_the_phone() {
        let s = session(10, 0);
        let clean = PhoneFacts::default();
        let booked_here = PhoneFacts {
            holds_this_session: true,
            ..PhoneFacts::default()
        };
        assert_eq!(
            decide_now(&s, &clean, party(6, 0)),
            decide_now(&s, &booked_here, party(6, 0))
        );
    }

    #[test]
    fn cancelling_releases_places_or_a_queue_place_before_the_deadline_only() {
        let deadline = at(10, 12);
        let before = at(10, 11);
        assert_eq!(
            cancel(BookingStatus::Confirmed, 3, before, deadline),
            Ok(Release::Places(3))
        );
        assert_eq!(
            cancel(BookingStatus::Waitlisted, 2, before, deadline),
            Ok(Release::Queue(2))
        );
        assert_eq!(
            cancel(BookingStatus::Confirmed, 3, deadline, deadline),
            Err(ErrorCode::CancelDeadlinePassed)
        );
        assert_eq!(
            cancel(BookingStatus::Cancelled, 3, before, deadline),
            Err(ErrorCode::AlreadyCancelled)
        );
        for done in [BookingStatus::CheckedIn, BookingStatus::NoShow] {
            assert_eq!(
                cancel(done, 1, before, deadline),
                Err(ErrorCode::CancelDeadlinePassed)
            );
        }
    }

    proptest! {
        /// Booking one party after another, as storage does, never confirms more people
        /// than the capacity, and confirms every party that still fits.
        #[test]
        fn confirmed_people_never_exceed_capacity(
            capacity in 0u32..60,
            // At most five people: every party is within one phone's daily limit.
            parties in proptest::collection::vec((1u32..4, 0u32..3), 0..80),
        ) {
            let mut s = session(capacity, 0);
            s.per_booking_limit = 20;
            for (adults, children) in parties {
                let p = party(adults, children);
                let status = decide_now(&s, &PhoneFacts::default(), p).unwrap();
                let fits = s.places.booked + p.people() <= capacity;
                prop_assert_eq!(status == BookingStatus::Confirmed, fits);
                if status == BookingStatus::Confirmed {
                    s.places.booked += p.people();
                }
                prop_assert!(s.places.booked <= capacity);
            }
        }

        /// A phone never books past its daily limit, however its parties are split.
        #[test]
        fn a_phone_never_books_past_its_daily_limit(
            parties in proptest::collection::vec((1u32..5, 0u32..3), 0..20),
        ) {
            let s = SessionFacts { per_booking_limit: 20, ..session(1000, 0) };
            let mut phone = PhoneFacts::default();
            for (adults, children) in parties {
                let p = party(adults, children);
                if decide_now(&s, &phone, p).is_ok() {
                    phone.people_that_day += p.people();
                }
                prop_assert!(phone.people_that_day <= rules().daily_limit);
            }
        }

        /// Counters near u32::MAX (a corrupt row) never wrap into "fits".
        #[test]
        fn huge_counters_never_confirm(booked in (u32::MAX - 30)..=u32::MAX, adults in 1u32..5) {
            let s = session(u32::MAX - 31, booked);
            prop_assert_eq!(
                decide_now(&s, &PhoneFacts::default(), party(adults, 0)),
                Ok(BookingStatus::Waitlisted)
            );
        }
    }
}
