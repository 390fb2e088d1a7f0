//! The codes that name bookings and samples: 8 characters of an alphabet without look-alikes
//! (`labday_domain::booking::CODE_ALPHABET`). A booking sent with an Idempotency-Key draws
//! its code from the key under the server's secret (`KeyedHash::booking_code`), so that a
//! retry finds it by that code; any other code is random, drawn from the operating system.
//! Two can be the same; the tables' unique indexes refuse the second, and booking tries
//! again with the key's next draw or a fresh random code (`storage::admission`).

use labday_domain::booking::{BookingCode, CODE_LEN};
use rand::RngCore;

/// A fresh random code for a booking or a sample.
pub fn fresh() -> BookingCode {
    let mut bytes = [0u8; CODE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    BookingCode::from_random(bytes)
}
