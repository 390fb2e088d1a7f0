//! A holder erasing their own name and number from a sample before the retention period
//! ends: when it is allowed, and what it keeps. The lab needs them from hand-in until the
//! result is ready (it may phone the holder about a result); before hand-in erasing is how
//! a holder withdraws, and once the result is ready nobody needs them. While the session is
//! still on, the per-phone sample limit counts the phone on it, so its keyed hash stays
//! until the retention run takes it with the session's other records: erasing early never
//! keeps anything longer than waiting would, nor frees the limit.

use super::SampleStatus;
use crate::error::ErrorCode;
use chrono::NaiveDateTime;

/// Whether the holder may erase a sample in `status`: not while the lab holds it and its
/// result is not ready (`still_testing`).
pub fn may_erase(status: SampleStatus) -> Result<(), ErrorCode> {
    match status {
        SampleStatus::Registered | SampleStatus::ResultReady => Ok(()),
        SampleStatus::Received | SampleStatus::Testing => Err(ErrorCode::StillTesting),
    }
}

/// Whether erasing now (`now`, the venue's clock) keeps the phone's keyed hash: until its
/// session ends at `session_ends` the session takes registrations, and the per-phone limit
/// counts the phone's samples on it.
pub fn erasure_keeps_phone_hash(now: NaiveDateTime, session_ends: NaiveDateTime) -> bool {
    now < session_ends
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use SampleStatus::*;

    fn at(hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 9, 16)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .expect("a time")
    }

    #[test]
    fn a_sample_erases_before_hand_in_and_once_its_result_is_ready() {
        assert_eq!(may_erase(Registered), Ok(()));
        assert_eq!(may_erase(ResultReady), Ok(()));
    }

    #[test]
    fn a_sample_the_lab_holds_without_a_result_waits_for_it() {
        assert_eq!(may_erase(Received), Err(ErrorCode::StillTesting));
        assert_eq!(may_erase(Testing), Err(ErrorCode::StillTesting));
    }

    #[test]
    fn the_phone_hash_stays_while_the_session_takes_registrations() {
        let ends = at(12);
        assert!(erasure_keeps_phone_hash(at(9), ends));
        assert!(erasure_keeps_phone_hash(at(11), ends));
        assert!(!erasure_keeps_phone_hash(at(12), ends));
        assert!(!erasure_keeps_phone_hash(at(20), ends));
    }
}
