//! The numbers behind the privacy notice on the booking and sample forms. The server sends
//! the ones it is configured with and the forms print them, so the notice can never promise
//! an erasure the server does not carry out.

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
}
