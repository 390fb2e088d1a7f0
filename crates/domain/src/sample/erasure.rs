//! A holder erasing their own name and number from a sample before the retention period
//! ends: when it is allowed. Before hand-in, erasing is how a holder withdraws the sample:
//! the lab then refuses to receive it, so it takes none of the lab's places and counts for
//! no limit. Once handed in, the lab may re-test it or correct a result and phone the holder
//! about it until its session is over, and a sample still being re-tested awaits its final
//! verdict even then; after that nobody needs them. Erasing keeps nothing of the phone: no
//! rule reads an erased sample's phone again (a withdrawn sample is not the lab's to count,
//! and after its session no registration meets it).

use super::SampleStatus;
use crate::error::ErrorCode;
use chrono::NaiveDateTime;

/// Whether the holder may erase a sample in `status` now (`now`, the venue's clock), its
/// session ending at `session_ends`: before hand-in at any time (its session cancelled or
/// not); once handed in only after the session, and not while re-tests are due
/// (`still_testing`).
pub fn may_erase(
    status: SampleStatus,
    now: NaiveDateTime,
    session_ends: NaiveDateTime,
) -> Result<(), ErrorCode> {
    match status {
        SampleStatus::Registered | SampleStatus::SessionCancelled => Ok(()),
        SampleStatus::Received | SampleStatus::ResultReady if now >= session_ends => Ok(()),
        SampleStatus::Received | SampleStatus::ResultReady | SampleStatus::Testing => {
            Err(ErrorCode::StillTesting)
        }
    }
}

/// Whether an erasure allowed by [`may_erase`] withdraws the sample: it was not handed in
/// and its session is still to end, so it leaves the registered counts. Erased once the
/// session is over, a sample never handed in stays counted as registered, as the retention
/// run leaves it.
pub fn withdraws(status: SampleStatus, now: NaiveDateTime, session_ends: NaiveDateTime) -> bool {
    status == SampleStatus::Registered && now < session_ends
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
    fn only_an_erasure_before_hand_in_and_before_the_end_leaves_the_counts() {
        assert!(withdraws(Registered, at(9), at(12)));
        assert!(withdraws(Registered, at(11), at(12)));
        // Never brought: registered it was, as the retention run leaves it.
        assert!(!withdraws(Registered, at(12), at(12)));
        assert!(!withdraws(Registered, at(20), at(12)));
        // Its cancelled session took it out of the counts already; the lab's are counted.
        for status in [SessionCancelled, Received, Testing, ResultReady] {
            assert!(!withdraws(status, at(9), at(12)), "{status:?}");
        }
    }

    #[test]
    fn a_sample_of_a_cancelled_session_never_handed_in_is_withdrawn_at_any_time() {
        for now in [at(9), at(12), at(20)] {
            assert_eq!(may_erase(SessionCancelled, now, at(12)), Ok(()), "at {now}");
        }
    }

    #[test]
    fn a_sample_the_lab_holds_waits_for_its_session_to_end() {
        // A result ready may still be corrected and told again while the session is on.
        for status in [Received, ResultReady] {
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
    fn a_sample_with_re_tests_due_awaits_its_verdict_even_after_the_session() {
        for now in [at(9), at(12), at(20)] {
            assert_eq!(
                may_erase(Testing, now, at(12)),
                Err(ErrorCode::StillTesting),
                "at {now}"
            );
        }
    }
}
