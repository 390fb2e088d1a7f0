//! What this device remembers: the reader's language and the bookings made here (code and
//! the phone typed for it) and the vegetable samples registered here, so "my bookings" works
//! without an account.

use serde::{Deserialize, Serialize};

const BOOKINGS_KEY: &str = "labday.bookings";
const LANG_KEY: &str = "labday.lang";
const ELDER_KEY: &str = "labday.elder";
const SAMPLES_KEY: &str = "labday.samples";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A booking made on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedBooking {
    pub code: String,
    pub phone: String,
}

pub fn remembered_bookings() -> Vec<RememberedBooking> {
    storage()
        .and_then(|s| s.get_item(BOOKINGS_KEY).ok().flatten())
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default()
}

/// Remembers a booking (newest first, once).
pub fn remember_booking(code: &str, phone: &str) {
    let mut all = remembered_bookings();
    all.retain(|b| b.code != code);
    all.insert(
        0,
        RememberedBooking {
            code: code.into(),
            phone: phone.into(),
        },
    );
    if let (Some(s), Ok(raw)) = (storage(), serde_json::to_string(&all)) {
        let _ = s.set_item(BOOKINGS_KEY, &raw);
    }
}

/// The phone typed for a booking on this device, if any.
pub fn phone_for(code: &str) -> Option<String> {
    remembered_bookings()
        .into_iter()
        .find(|b| b.code == code)
        .map(|b| b.phone)
}

/// A vegetable sample registered on this device: its code and the phone's last four digits
/// (all a result lookup needs; the full number is not kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedSample {
    pub code: String,
    pub last4: String,
}

pub fn remembered_samples() -> Vec<RememberedSample> {
    storage()
        .and_then(|s| s.get_item(SAMPLES_KEY).ok().flatten())
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default()
}

/// Remembers a sample (newest first, once).
pub fn remember_sample(code: &str, last4: &str) {
    let mut all = remembered_samples();
    all.retain(|s| s.code != code);
    all.insert(
        0,
        RememberedSample {
            code: code.into(),
            last4: last4.into(),
        },
    );
    if let (Some(s), Ok(raw)) = (storage(), serde_json::to_string(&all)) {
        let _ = s.set_item(SAMPLES_KEY, &raw);
    }
}

/// The last four phone digits typed for a sample on this device, if any.
pub fn last4_for(code: &str) -> Option<String> {
    remembered_samples()
        .into_iter()
        .find(|s| s.code == code)
        .map(|s| s.last4)
}

pub fn saved_lang() -> Option<String> {
    storage().and_then(|s| s.get_item(LANG_KEY).ok().flatten())
}

pub fn save_lang(code: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(LANG_KEY, code);
    }
}

/// Whether this device chose the elder-friendly mode (长辈版).
pub fn elder_mode() -> bool {
    storage()
        .and_then(|s| s.get_item(ELDER_KEY).ok().flatten())
        .as_deref()
        == Some("1")
}

pub fn save_elder_mode(on: bool) {
    if let Some(s) = storage() {
        let _ = s.set_item(ELDER_KEY, if on { "1" } else { "0" });
    }
}
