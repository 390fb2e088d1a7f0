//! Moving a booking to another session of the same activity in one step: the holder keeps
//! the old place until the new one is theirs. The rule is [`reschedule`]; storage reads the
//! facts, asks it, and writes the answer (release the old places, take the new) in one
//! transaction, so a refused move changes nothing.
//!
//! A move is a cancellation of the old session followed by a booking of the new one, and
//! is decided by exactly those rules: [`cancel`] for the old (the deadline; only a
//! confirmed or waiting booking moves) and [`decide`] for the new (cancelled session,
//! window, party limit, daily limit, duplicate, no-show pause, capacity). The phone's facts
//! leave out the booking being moved, so a move is never a duplicate of itself and its own
//! people do not count twice against the day's limit.

use super::admission::{cancel, decide, Release, Snapshot};
use super::{BookingStatus, Party};
use crate::error::ErrorCode;
use crate::session::{SessionStatus, SessionView, WindowState};
use chrono::NaiveDateTime;

/// The booking as it stands, where it is moved from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub session_id: i64,
    pub activity_id: i64,
    pub status: BookingStatus,
    pub party: Party,
    /// The old session's cancellation deadline (venue time).
    pub cancel_deadline: NaiveDateTime,
}

/// The session the holder asks for, with what [`decide`] needs to know about it. The
/// snapshot's phone facts are those of the phone's *other* bookings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    pub session_id: i64,
    pub activity_id: i64,
    pub snapshot: Snapshot<'a>,
}

/// What a move does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rescheduled {
    /// The booking is already in that session (a repeated request): nothing changes, and
    /// the caller answers with the booking as it is.
    Unchanged,
    /// The old session gives up `release`; the booking joins the new one as `status`.
    Moved {
        release: Release,
        status: BookingStatus,
    },
}

/// Whether `from` may move to `to`, and what that does. `accept_waiting`: the holder takes
/// a place on the new session's waiting list when it has no place free; without it a full
/// session refuses the move (`session_full`) and the old place is kept.
pub fn reschedule(
    from: &Holding,
    to: &Target<'_>,
    accept_waiting: bool,
) -> Result<Rescheduled, ErrorCode> {
    let holds = matches!(
        from.status,
        BookingStatus::Confirmed | BookingStatus::Waitlisted
    );
    if holds && to.session_id == from.session_id {
        return Ok(Rescheduled::Unchanged);
    }
    if to.activity_id != from.activity_id {
        return Err(ErrorCode::OtherActivity);
    }
    let release = cancel(
        from.status,
        from.party.people(),
        to.snapshot.now,
        from.cancel_deadline,
    )?;
    let status = decide(&to.snapshot, from.party)?;
    if status == BookingStatus::Waitlisted && !accept_waiting {
        return Err(ErrorCode::SessionFull);
    }
    Ok(Rescheduled::Moved { release, status })
}

/// The sessions a booking of `people` in session `current` can be moved to without
/// waiting: the others of `sessions` (an activity's), not cancelled, open for booking now,
/// with room for the whole party online. What the holder is offered; the server decides.
pub fn destinations(sessions: &[SessionView], current: i64, people: u32) -> Vec<&SessionView> {
    sessions
        .iter()
        .filter(|s| {
            s.id != current
                && s.status == SessionStatus::Scheduled
                && s.window == WindowState::Open
                && s.places_left >= people
                && people <= s.per_booking_limit
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::admission::tests::{at, session};
    use super::super::admission::{PhoneFacts, Rules, SessionFacts};
    use super::super::NoShowPolicy;
    use super::*;
    use proptest::prelude::*;

    fn party(people: u32) -> Party {
        Party::parse(people, 0, 20).unwrap()
    }

    fn holding(status: BookingStatus, people: u32) -> Holding {
        Holding {
            session_id: 1,
            activity_id: 7,
            status,
            party: party(people),
            cancel_deadline: at(12, 9),
        }
    }

    const RULES: Rules = Rules {
        daily_limit: 5,
        no_show: NoShowPolicy {
            count: 3,
            within_days: 180,
            block_days: 60,
        },
    };

    fn target<'a>(s: &'a SessionFacts, phone: &'a PhoneFacts, now: NaiveDateTime) -> Target<'a> {
        Target {
            session_id: 2,
            activity_id: 7,
            snapshot: Snapshot {
                session: s,
                phone,
                rules: RULES,
                now,
            },
        }
    }

    fn moved(release: Release, status: BookingStatus) -> Result<Rescheduled, ErrorCode> {
        Ok(Rescheduled::Moved { release, status })
    }

    #[test]
    fn a_confirmed_booking_moves_into_free_places_and_releases_its_own() {
        let s = session(10, 8);
        let none = PhoneFacts::default();
        let from = holding(BookingStatus::Confirmed, 2);
        assert_eq!(
            reschedule(&from, &target(&s, &none, at(10, 9)), false),
            moved(Release::Places(2), BookingStatus::Confirmed)
        );
    }

    #[test]
    fn a_full_session_refuses_unless_the_holder_accepts_a_waiting_place() {
        let s = session(10, 9);
        let none = PhoneFacts::default();
        let from = holding(BookingStatus::Confirmed, 2);
        let to = target(&s, &none, at(10, 9));
        assert_eq!(reschedule(&from, &to, false), Err(ErrorCode::SessionFull));
        assert_eq!(
            reschedule(&from, &to, true),
            moved(Release::Places(2), BookingStatus::Waitlisted)
        );
        // A waiting booking gives up its place in the old queue.
        let waiting = holding(BookingStatus::Waitlisted, 2);
        assert_eq!(
            reschedule(&waiting, &target(&session(10, 0), &none, at(10, 9)), false),
            moved(Release::Queue(2), BookingStatus::Confirmed)
        );
    }

    #[test]
    fn only_before_the_old_sessions_deadline_and_only_a_holding_booking() {
        let s = session(10, 0);
        let none = PhoneFacts::default();
        let from = holding(BookingStatus::Confirmed, 1);
        assert_eq!(
            reschedule(&from, &target(&s, &none, at(12, 9)), false),
            Err(ErrorCode::CancelDeadlinePassed)
        );
        for (status, refusal) in [
            (BookingStatus::Cancelled, ErrorCode::AlreadyCancelled),
            (BookingStatus::CheckedIn, ErrorCode::CancelDeadlinePassed),
            (BookingStatus::NoShow, ErrorCode::CancelDeadlinePassed),
        ] {
            let from = holding(status, 1);
            assert_eq!(
                reschedule(&from, &target(&s, &none, at(10, 9)), true),
                Err(refusal),
                "{status:?}"
            );
        }
    }

    #[test]
    fn another_activitys_session_is_refused() {
        let s = session(10, 0);
        let none = PhoneFacts::default();
        let mut to = target(&s, &none, at(10, 9));
        to.activity_id = 8;
        assert_eq!(
            reschedule(&holding(BookingStatus::Confirmed, 1), &to, true),
            Err(ErrorCode::OtherActivity)
        );
    }

    #[test]
    fn the_same_session_again_changes_nothing_even_past_the_deadline() {
        let s = session(10, 10);
        let none = PhoneFacts::default();
        let mut to = target(&s, &none, at(14, 9));
        to.session_id = 1;
        for status in [BookingStatus::Confirmed, BookingStatus::Waitlisted] {
            assert_eq!(
                reschedule(&holding(status, 1), &to, false),
                Ok(Rescheduled::Unchanged)
            );
        }
        assert_eq!(
            reschedule(&holding(BookingStatus::Cancelled, 1), &to, false),
            Err(ErrorCode::AlreadyCancelled)
        );
    }

    #[test]
    fn the_new_session_is_decided_by_the_booking_rules() {
        let none = PhoneFacts::default();
        let from = holding(BookingStatus::Confirmed, 3);
        let mut s = session(10, 0);
        s.booking_closes_at = at(9, 0);
        assert_eq!(
            reschedule(&from, &target(&s, &none, at(10, 9)), true),
            Err(ErrorCode::WindowClosed)
        );
        let mut s = session(10, 0);
        s.per_booking_limit = 2;
        assert_eq!(
            reschedule(&from, &target(&s, &none, at(10, 9)), true),
            Err(ErrorCode::PartyTooLarge)
        );
        let mut s = session(10, 0);
        s.status = SessionStatus::Cancelled;
        assert_eq!(
            reschedule(&from, &target(&s, &none, at(10, 9)), true),
            Err(ErrorCode::SessionCancelled)
        );
        // The phone's other bookings: one already in the new session, or a day that the
        // move would take past the limit.
        let s = session(10, 0);
        let there = PhoneFacts {
            holds_this_session: true,
            ..PhoneFacts::default()
        };
        assert_eq!(
            reschedule(&from, &target(&s, &there, at(10, 9)), true),
            Err(ErrorCode::DuplicateBooking)
        );
        let busy_day = PhoneFacts {
            people_that_day: 3,
            ..PhoneFacts::default()
        };
        assert_eq!(
            reschedule(&from, &target(&s, &busy_day, at(10, 9)), true),
            Err(ErrorCode::DailyLimit)
        );
    }

    #[test]
    fn a_holder_is_offered_the_other_open_sessions_with_room_for_the_party() {
        let view = |id: i64, places_left: u32, window: WindowState, status: SessionStatus| {
            let mut v: SessionView = serde_json::from_value(serde_json::json!({
                "id": id, "activity_id": 7, "activity_title": {"zh": "开放日", "en": ""},
                "format": "visit", "title": {"zh": "场次", "en": ""},
                "starts_at": "2026-09-20T09:00:00", "ends_at": "2026-09-20T10:00:00",
                "place": {"zh": "", "en": ""}, "capacity": 10, "booked": 0, "places_left": 0,
                "availability": "open", "per_booking_limit": 4,
                "booking_opens_at": "2026-09-01T09:00:00", "booking_closes_at": "2026-09-20T08:00:00",
                "cancel_deadline": "2026-09-19T18:00:00", "window": "open", "status": "scheduled",
                "waiting": 0, "utc_offset_minutes": 480
            }))
            .unwrap();
            v.places_left = places_left;
            v.window = window;
            v.status = status;
            v
        };
        use SessionStatus::{Cancelled, Scheduled};
        use WindowState::{Closed, NotYetOpen, Open};
        let sessions = [
            view(1, 5, Open, Scheduled),
            view(2, 5, Open, Scheduled),
            view(3, 1, Open, Scheduled),
            view(4, 5, Closed, Scheduled),
            view(5, 5, NotYetOpen, Scheduled),
            view(6, 5, Open, Cancelled),
            view(7, 2, Open, Scheduled),
        ];
        let ids = |people| -> Vec<i64> {
            destinations(&sessions, 1, people)
                .iter()
                .map(|s| s.id)
                .collect()
        };
        assert_eq!(ids(2), [2, 7]);
        assert_eq!(ids(1), [2, 3, 7]);
        assert_eq!(
            ids(5),
            Vec::<i64>::new(),
            "over every session's per-booking limit"
        );
    }

    proptest! {
        /// Moving parties in and out, as storage applies the answers, never confirms more
        /// people in either session than its capacity, and a refused move changes nothing.
        #[test]
        fn moves_never_overbook(
            capacity in 0u32..30,
            moves in proptest::collection::vec((1u32..5, any::<bool>(), any::<bool>()), 0..60),
        ) {
            // Two sessions' booked counts; each move goes from one to the other.
            let mut booked = [0u32, 0u32];
            let none = PhoneFacts::default();
            for (people, towards_second, accept) in moves {
                let (src, dst) = if towards_second { (0, 1) } else { (1, 0) };
                let mut s = session(capacity, booked[dst]);
                s.per_booking_limit = 20;
                let status = if booked[src] >= people { BookingStatus::Confirmed } else { BookingStatus::Waitlisted };
                let from = holding(status, people);
                match reschedule(&from, &target(&s, &none, at(10, 9)), accept) {
                    Ok(Rescheduled::Moved { release, status }) => {
                        if let Release::Places(p) = release {
                            booked[src] -= p;
                        }
                        if status == BookingStatus::Confirmed {
                            booked[dst] += people;
                        } else {
                            prop_assert!(accept);
                        }
                    }
                    Ok(Rescheduled::Unchanged) => prop_assert!(false, "different sessions"),
                    Err(code) => prop_assert!(code == ErrorCode::SessionFull && !accept, "{code:?}"),
                }
                prop_assert!(booked[0] <= capacity && booked[1] <= capacity);
            }
        }
    }
}
