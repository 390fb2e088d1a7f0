//! A holder erasing their own name and number before the retention period ends: when it is
//! allowed, and what it keeps. Once a booking is cancelled, or its session is over or
//! cancelled, nobody needs the name or number any more; before that, the lab still needs
//! them to check the party in, so the booking must be cancelled first.

use super::BookingStatus;
use crate::error::ErrorCode;
use chrono::NaiveDateTime;

/// What erasing a booking keeps of the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// Nothing: no rule will read the booking again.
    Everything,
    /// The phone's keyed hash, as the retention run keeps it: the booking is a no-show, or
    /// will be marked one (its session is over and nobody came), and the no-show pause
    /// counts it. Erasing cannot take a missed visit off the record.
    KeepPhoneHash,
}

impl Erasure {
    pub fn keeps_phone_hash(self) -> bool {
        self == Erasure::KeepPhoneHash
    }
}

/// Whether the holder may erase a booking in `status` now (`now`, the venue's clock), its
/// session ending at `session_ends` (`session_cancelled` when the organiser cancelled it):
/// `still_booked` while it holds or waits for a place in a session still to come or under
/// way.
pub fn erase(
    status: BookingStatus,
    session_cancelled: bool,
    now: NaiveDateTime,
    session_ends: NaiveDateTime,
) -> Result<Erasure, ErrorCode> {
    if status == BookingStatus::Cancelled || session_cancelled {
        return Ok(Erasure::Everything);
    }
    if now < session_ends {
        return Err(ErrorCode::StillBooked);
    }
    Ok(match status {
        BookingStatus::NoShow | BookingStatus::Confirmed => Erasure::KeepPhoneHash,
        BookingStatus::CheckedIn | BookingStatus::Waitlisted | BookingStatus::Cancelled => {
            Erasure::Everything
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::admission::tests::at;
    use BookingStatus::*;

    #[test]
    fn a_cancelled_booking_or_session_erases_at_once_and_keeps_nothing() {
        let ends = at(10, 12);
        for now in [at(1, 9), at(10, 11), at(20, 9)] {
            assert_eq!(erase(Cancelled, false, now, ends), Ok(Erasure::Everything));
            for status in [Confirmed, Waitlisted, CheckedIn, NoShow] {
                assert_eq!(erase(status, true, now, ends), Ok(Erasure::Everything));
            }
        }
    }

    #[test]
    fn a_booking_that_holds_or_waits_for_a_place_waits_for_the_session_to_end() {
        let ends = at(10, 12);
        for status in [Confirmed, Waitlisted, CheckedIn] {
            for now in [at(1, 9), at(10, 9), at(10, 11)] {
                assert_eq!(
                    erase(status, false, now, ends),
                    Err(ErrorCode::StillBooked),
                    "{status:?} at {now}"
                );
            }
        }
    }

    #[test]
    fn after_the_session_a_missed_visit_keeps_its_hash_for_the_no_show_pause() {
        let ends = at(10, 12);
        for now in [ends, at(11, 9)] {
            assert_eq!(erase(NoShow, false, now, ends), Ok(Erasure::KeepPhoneHash));
            // Nobody came, though no-shows were not marked yet: it will be one.
            assert_eq!(
                erase(Confirmed, false, now, ends),
                Ok(Erasure::KeepPhoneHash)
            );
            assert_eq!(erase(CheckedIn, false, now, ends), Ok(Erasure::Everything));
            assert_eq!(erase(Waitlisted, false, now, ends), Ok(Erasure::Everything));
        }
        assert!(Erasure::KeepPhoneHash.keeps_phone_hash());
        assert!(!Erasure::Everything.keeps_phone_hash());
    }
}
