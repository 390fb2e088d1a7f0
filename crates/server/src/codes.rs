//! The codes that name bookings and samples: random, drawn from the operating system, 8
//! characters of an alphabet without look-alikes (`labday_domain::booking::CODE_ALPHABET`).
//! Two can be the same; the tables' unique indexes refuse the second, and booking tries
//! again with a fresh one (`storage::admission`).

use labday_domain::booking::{BookingCode, CODE_LEN};
use rand::RngCore;

/// A fresh random code for a booking or a sample.
pub fn fresh() -> BookingCode {
    let mut bytes = [0u8; CODE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    BookingCode::from_random(bytes)
}
