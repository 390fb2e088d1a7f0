//! Check-ins made at a desk without network and sent when it comes back: the time the
//! phone recorded must be believable (not before the session's day; one ahead of the
//! server's clock is the phone's clock running fast, and the check-in is recorded at the
//! server's time, not lost), and the whole party is checked in, so sending the same
//! check-in again (a lost answer, a second phone) changes nothing.

use crate::error::{ApiError, ErrorCode, FieldCode};
use chrono::NaiveDateTime;

/// Whether an offline check-in made `at` (the venue's clock, as the desk keeps it) may be
/// recorded `now` for a session that starts `session_starts` (venue time), and the time it
/// is recorded at: a time a clock shows (no leap second), not before the session's day;
/// `at`, or `now` when `at` is ahead of it (it happened, before now: the phone's clock runs
/// fast), so no recorded time is later than the server's. `people` must be the whole party
/// (`None`).
pub fn check(
    at: NaiveDateTime,
    now: NaiveDateTime,
    session_starts: NaiveDateTime,
    people: Option<u32>,
) -> Result<NaiveDateTime, ApiError> {
    let refused = |field: &str, code: FieldCode, text: &str| {
        Err(ApiError::new(ErrorCode::Invalid, text).with_field(field, code))
    };
    if people.is_some() {
        return refused(
            "people",
            FieldCode::Invalid,
            "An offline check-in takes the whole party",
        );
    }
    if !crate::time::not_leap(at.time()) {
        return refused(
            "offline_at",
            FieldCode::DateInvalid,
            "The check-in time is not one a clock shows",
        );
    }
    // A phone whose clock runs fast: its visitor came, only the minute is unknown. Before
    // the session's day on the server's clock, that is what the door would answer.
    if at > now {
        crate::staff::from_session_day(now, session_starts)
            .map_err(|code| ApiError::new(code, "The session's day has not come"))?;
        return Ok(now);
    }
    if at.date() < session_starts.date() {
        return refused(
            "offline_at",
            FieldCode::InPast,
            "The check-in time is before the session's day",
        );
    }
    Ok(at)
}

/// Whether a queued check-in that the server answered with `code` stays queued, to be sent
/// again later: the network or the server failed, the desk must sign in again, or the
/// account signed in now may not check in at that session (after a shift change on one
/// phone, someone of another organisation opened its desk: the check-ins wait for one who
/// may, not lost). Any other answer is the server's decision about that check-in (a
/// conflict shown to staff).
pub fn send_again(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::Network
            | ErrorCode::Unavailable
            | ErrorCode::Internal
            | ErrorCode::TooManyRequests
            | ErrorCode::Unauthorized
            | ErrorCode::PasswordChangeRequired
            | ErrorCode::Forbidden
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 9, day)
            .unwrap()
            .and_hms_opt(h, m, 0)
            .unwrap()
    }

    fn field(r: Result<NaiveDateTime, ApiError>) -> Option<(String, FieldCode)> {
        let e = r.err()?;
        let (name, f) = e.fields.iter().next()?;
        Some((name.clone(), *f))
    }

    #[test]
    fn a_time_on_the_session_day_up_to_a_little_ahead_of_the_server_is_taken() {
        let starts = at(20, 9, 30);
        let now = at(20, 10, 0);
        assert_eq!(check(at(20, 9, 58), now, starts, None), Ok(at(20, 9, 58)));
        // Before the session's start but on its day: people arrive early.
        assert_eq!(check(at(20, 0, 0), now, starts, None), Ok(at(20, 0, 0)));
        assert_eq!(check(now, now, starts, None), Ok(now));
        // Synced days later (the desk's phone stayed offline): still that check-in.
        let later = at(23, 8, 0);
        assert_eq!(check(at(20, 11, 0), later, starts, None), Ok(at(20, 11, 0)));
    }

    #[test]
    fn a_phone_whose_clock_runs_fast_loses_no_check_in_and_it_is_recorded_at_now() {
        let starts = at(20, 9, 30);
        let now = at(20, 10, 0);
        for ahead in [at(20, 10, 1), at(20, 10, 6), at(21, 10, 0)] {
            assert_eq!(check(ahead, now, starts, None), Ok(now), "{ahead}");
        }
        // Ahead, and the session's day has not come on the server's clock: as at the door.
        let day_before = at(19, 22, 0);
        let refused = check(at(20, 10, 0), day_before, starts, None).unwrap_err();
        assert_eq!(refused.code, ErrorCode::BeforeSessionDay);
        let year_on = NaiveDate::from_ymd_opt(2027, 9, 20)
            .unwrap()
            .and_hms_opt(10, 0, 0);
        assert_eq!(check(year_on.unwrap(), now, starts, None), Ok(now));
    }

    #[test]
    fn a_time_before_the_day_or_a_part_of_the_party_is_refused() {
        let starts = at(20, 9, 30);
        let now = at(20, 10, 0);
        assert_eq!(
            field(check(at(19, 23, 59), now, starts, None)),
            Some(("offline_at".into(), FieldCode::InPast))
        );
        assert_eq!(
            field(check(at(20, 9, 50), now, starts, Some(1))),
            Some(("people".into(), FieldCode::Invalid))
        );
        let leap: NaiveDateTime = "2026-09-20T09:50:60".parse().unwrap();
        assert_eq!(
            field(check(leap, now, starts, None)),
            Some(("offline_at".into(), FieldCode::DateInvalid))
        );
    }

    #[test]
    fn only_the_servers_decisions_take_a_check_in_off_the_queue() {
        for later in [
            ErrorCode::Network,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
            ErrorCode::TooManyRequests,
            ErrorCode::Unauthorized,
            ErrorCode::PasswordChangeRequired,
            ErrorCode::Forbidden,
        ] {
            assert!(send_again(later), "{later:?}");
        }
        for decided in [
            ErrorCode::NotFound,
            ErrorCode::WrongSession,
            ErrorCode::NotConfirmed,
            ErrorCode::AlreadyCancelled,
            ErrorCode::Invalid,
            ErrorCode::BadRequest,
        ] {
            assert!(!send_again(decided), "{decided:?}");
        }
    }
}
