//! A holder erasing their own name and number from a sample before the retention period
//! ends: when it is allowed, and what it keeps. Before hand-in, erasing is how a holder
//! withdraws the sample (the lab then refuses to receive it). Once handed in, the lab may
//! re-test it or correct a result and phone the holder about it until its session is over;
//! after that nobody needs them. While the session is still on, the per-phone sample limit
//! counts the phone on it, so its keyed hash stays until the retention run takes it with
//! the session's other records: erasing early never keeps anything longer than waiting
//! would, nor frees the limit.

use super::SampleStatus;
use crate::error::ErrorCode;
use chrono::NaiveDateTime;

/// Whether the holder may erase a sample in `status` now (`now`, the venue's clock), its
/// session ending at `session_ends`: before hand-in at any time, once handed in only after
/// the session (`still_testing` before).
pub fn may_erase(
    status: SampleStatus,
    now: NaiveDateTime,
    session_ends: NaiveDateTime,
) -> Result<(), ErrorCode> {
    match status {
        SampleStatus::Registered => Ok(()),
        _ if now >= session_ends => Ok(()),
        SampleStatus::Received | SampleStatus::Testing | SampleStatus::ResultReady => {
            Err(ErrorCode::StillTesting)
        }
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
    fn a_sample_not_handed_in_is_withdrawn_at_any_time() {
        for now in [at(9), at(11), at(12), at(20)] {
            assert_eq!(may_erase(Registered, now, at(12)), Ok(()), "at {now}");
        }
    }

    #[test]
    fn a_sample_the_lab_holds_waits_for_its_session_to_end() {
        // A result ready may still be corrected and told again while the session is on.
        for status in [Received, Testing, ResultReady] {
            for now in [at(9), at(11)] {
                assert_eq!(
                    may_erase(status, now, at(12)),
                    Err(ErrorCode::StillTesting),
                    "{status:?} at {now}"
                );
            }
            // A sample the lab never got to tests nobody will phone about either.
            for now in [at(12), at(20)] {
                assert_eq!(
                    may_erase(status, now, at(12)),
                    Ok(()),
                    "{status:?} at {now}"
                );
            }
        }
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
