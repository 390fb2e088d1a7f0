//! The numbers behind the privacy notice on the booking and sample forms. The server sends
//! the ones it is configured with and the forms print them, so the notice can never promise
//! an erasure the server does not carry out.

use crate::booking::NoShowPolicy;
use serde::{Deserialize, Serialize};

/// How long personal data is kept, as the server is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrivacyNotice {
    /// Days after a session before the names and phone numbers of its bookings and samples
    /// (and their idempotency records) are erased.
    pub retention_days: u32,
    /// Days after a session before the keyed hash of a no-show's phone number is deleted:
    /// erasure keeps it on a booking nobody came for (and on no other), only so the no-show
    /// rule can count it.
    pub phone_digest_days: u32,
    /// Whether citizens get text messages (an SMS provider is configured); without one,
    /// the app says that no message will be sent.
    #[serde(default)]
    pub text_messages: bool,
    /// Whether bookings and sample registrations need a code sent to the phone
    /// (`--verify-phones`); then "my bookings" finds every booking of a phone by a code.
    #[serde(default)]
    pub verify_phones: bool,
    /// The no-show rule bookings are held to, which the booking form states before anyone
    /// books: `no_show_count` no-shows at most `no_show_within_days` days apart pause a
    /// phone's bookings for `no_show_block_days` days after the latest (any of them 0: no
    /// rule, and the count is sent as 0). Plain numbers beside the others, so that no
    /// citizen bundle decodes one struct more.
    #[serde(default)]
    pub no_show_count: u32,
    #[serde(default)]
    pub no_show_within_days: u32,
    #[serde(default)]
    pub no_show_block_days: u32,
    /// The most people one phone may book for one day (`--daily-limit`): the booking form
    /// offers no bigger party than this, whatever a session allows per booking (0: an older
    /// server that did not say).
    #[serde(default)]
    pub daily_limit: u32,
}

impl PrivacyNotice {
    /// The most people one booking of a session may hold: its own limit, or the daily limit
    /// per phone when that is smaller (a bigger party is refused, `daily_limit`).
    pub fn per_booking(&self, session_limit: u32) -> u32 {
        match self.daily_limit {
            0 => session_limit,
            daily => session_limit.min(daily),
        }
    }

    /// `(count, within_days, block_days)` of the no-show rule, when one pauses bookings.
    pub fn no_show_rule(&self) -> Option<(u32, u32, u32)> {
        let rule = NoShowPolicy {
            count: self.no_show_count,
            within_days: i64::from(self.no_show_within_days),
            block_days: i64::from(self.no_show_block_days),
        };
        rule.applies().then_some((
            self.no_show_count,
            self.no_show_within_days,
            self.no_show_block_days,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::PrivacyNotice;

    #[test]
    fn the_form_states_a_no_show_rule_only_when_one_pauses_bookings() {
        let notice = |count, within, block| PrivacyNotice {
            retention_days: 30,
            phone_digest_days: 241,
            text_messages: false,
            verify_phones: false,
            no_show_count: count,
            no_show_within_days: within,
            no_show_block_days: block,
            daily_limit: 5,
        };
        assert_eq!(notice(3, 180, 60).no_show_rule(), Some((3, 180, 60)));
        assert_eq!(
            notice(u32::MAX, 3650, 3650).no_show_rule(),
            Some((u32::MAX, 3650, 3650))
        );
        for off in [notice(0, 180, 60), notice(3, 0, 60), notice(3, 180, 0)] {
            assert_eq!(off.no_show_rule(), None, "{off:?}");
        }
    }

    #[test]
    fn a_booking_holds_no_more_than_the_daily_limit_allows() {
        let mut notice = PrivacyNotice {
            retention_days: 30,
            phone_digest_days: 241,
            text_messages: false,
            verify_phones: false,
            no_show_count: 3,
            no_show_within_days: 180,
            no_show_block_days: 60,
            daily_limit: 5,
        };
        assert_eq!(notice.per_booking(10), 5);
        assert_eq!(notice.per_booking(5), 5);
        assert_eq!(notice.per_booking(2), 2);
        notice.daily_limit = 0;
        assert_eq!(notice.per_booking(10), 10);
    }
}
