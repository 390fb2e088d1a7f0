//! A holder erasing their own name and number before the retention period ends: when it is
//! allowed, and what it keeps. Once a booking is cancelled, or the day of its session is
//! over, no rule and nobody at the door needs the name or number; before that the lab needs
//! them to check the party in, and the per-day limit still counts the phone's people on that
//! day, so the booking must be cancelled first.

use super::BookingStatus;
use crate::error::ErrorCode;
use chrono::NaiveDateTime;

/// What erasing a booking keeps of the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// Nothing: no rule will read the booking again.
    Everything,
    /// The phone's keyed hash, as the retention run keeps it: nobody came for the booking
    /// (a no-show, or a confirmed booking whose session is over, which staff mark as one),
    /// and the no-show pause counts it. Erasing cannot take a missed visit off the record.
    KeepPhoneHash,
}

impl Erasure {
    pub fn keeps_phone_hash(self) -> bool {
        self == Erasure::KeepPhoneHash
    }
}

/// Whether the holder may erase a booking in `status` now (`now`, the venue's clock), its
/// session ending at `session_ends`: `still_booked` while it holds or waits for a place and
/// the session's day is not over. (A session the organiser cancels cancels its bookings.)
pub fn erase(
    status: BookingStatus,
    now: NaiveDateTime,
    session_ends: NaiveDateTime,
) -> Result<Erasure, ErrorCode> {
    let day_over = now.date() > session_ends.date();
    match status {
        BookingStatus::Cancelled => Ok(Erasure::Everything),
        BookingStatus::NoShow => Ok(Erasure::KeepPhoneHash),
        _ if !day_over => Err(ErrorCode::StillBooked),
        BookingStatus::Confirmed => Ok(Erasure::KeepPhoneHash),
        BookingStatus::CheckedIn | BookingStatus::Waitlisted => Ok(Erasure::Everything),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::admission::tests::at;
    use BookingStatus::*;

    #[test]
    fn a_cancelled_booking_erases_at_once_and_keeps_nothing() {
        let ends = at(10, 12);
        for now in [at(1, 9), at(10, 11), at(20, 9)] {
            assert_eq!(erase(Cancelled, now, ends), Ok(Erasure::Everything));
        }
    }

    #[test]
    fn a_booking_that_holds_or_waits_for_a_place_waits_for_its_day_to_end() {
        let ends = at(10, 12);
        for status in [Confirmed, Waitlisted, CheckedIn] {
            // Before, during and after the session on its day: the party may still be let in,
            // and the day's limit still counts its people.
            for now in [at(1, 9), at(10, 9), at(10, 11), at(10, 23)] {
                assert_eq!(
                    erase(status, now, ends),
                    Err(ErrorCode::StillBooked),
                    "{status:?} at {now}"
                );
            }
            assert!(erase(status, at(11, 0), ends).is_ok(), "{status:?}");
        }
    }

    #[test]
    fn a_missed_visit_keeps_its_hash_for_the_no_show_pause() {
        let ends = at(10, 12);
        // Marked a no-show (on its day, or its session cancelled since): kept at once.
        for now in [at(10, 13), at(11, 9)] {
            assert_eq!(erase(NoShow, now, ends), Ok(Erasure::KeepPhoneHash));
        }
        let next_day = at(11, 9);
        // Nobody came, though no-shows were not marked yet: it will be one.
        assert_eq!(erase(Confirmed, next_day, ends), Ok(Erasure::KeepPhoneHash));
        assert_eq!(erase(CheckedIn, next_day, ends), Ok(Erasure::Everything));
        assert_eq!(erase(Waitlisted, next_day, ends), Ok(Erasure::Everything));
        assert!(Erasure::KeepPhoneHash.keeps_phone_hash());
        assert!(!Erasure::Everything.keeps_phone_hash());
    }
}
