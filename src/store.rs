//! What this device remembers: the reader's language and the bookings made here (code and
//! the phone typed for it) and the vegetable samples registered here, so "my bookings" works
//! without an account; and the last answer about each of them with its time, so they open
//! offline (`crate::offline`).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

const LANG_KEY: &str = "labday.lang";
const ELDER_KEY: &str = "labday.elder";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

fn copy_key(kind: &str, code: &str) -> String {
    format!("labday.copy{kind}/{code}")
}

/// Keeps `text`, the last answer about `code` (of `kind`: `offline::BOOKING`, `SAMPLE`), with
/// the time now.
pub fn keep_copy(kind: &str, code: &str, text: &str) {
    set(
        &copy_key(kind, code),
        // Whole milliseconds: integer printing and parsing, not the float machinery's.
        &format!("{}\n{text}", js_sys::Date::now() as i64),
    );
}

/// The last answer kept about `code` and when it came (ms since the epoch).
pub fn kept_copy(kind: &str, code: &str) -> Option<(i64, String)> {
    let raw = get(&copy_key(kind, code))?;
    let (at, text) = raw.split_once('\n')?;
    Some((at.parse().ok()?, text.to_owned()))
}

pub fn forget_copy(kind: &str, code: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&copy_key(kind, code));
    }
}

/// Forgets every copy of the booking or sample `code` (of `kind`), whatever phone it was
/// looked up with and however the code was typed (`ask5-d6xn`, `ASK5D6XN`): each lookup
/// keeps its own.
pub fn forget_copies(kind: &str, code: &str) {
    let Some(s) = storage() else { return };
    let prefix = copy_key(kind, "");
    // From the last key down, so a removal never moves a key not yet looked at.
    let mut i = s.length().unwrap_or(0);
    while i > 0 {
        i -= 1;
        let Some(key) = s.key(i).ok().flatten() else {
            continue;
        };
        let of = key
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split_once('/'));
        if of.is_some_and(|(of, _)| same_code(of, code)) {
            let _ = s.remove_item(&key);
        }
    }
}

/// Whether `a` and `b` are one code however typed: the same letters and digits, whatever
/// their case.
fn same_code(a: &str, b: &str) -> bool {
    plain(a).eq(plain(b))
}

fn plain(code: &str) -> impl Iterator<Item = u8> + '_ {
    code.bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_uppercase())
}

/// Something remembered on this device by its code, in a list of its own (JSON, newest
/// first, once per code).
trait Remembered: Serialize + DeserializeOwned {
    /// The list's storage key.
    const KEY: &'static str;
    fn code(&self) -> &str;
}

fn remembered<T: Remembered>() -> Vec<T> {
    get(T::KEY)
        .and_then(|raw| crate::json::from_str(&raw).ok())
        .unwrap_or_default()
}

/// Takes the entry with `code` out of its list and puts `entry`, if any, first: one
/// function for remembering and forgetting keeps one copy of it in a bundle.
fn keep<T: Remembered>(code: &str, entry: Option<T>) {
    let mut all: Vec<T> = remembered();
    // However the code was typed (an address may carry it in lower case or with its dash).
    all.retain(|old| !same_code(old.code(), code));
    if let Some(entry) = entry {
        all.insert(0, entry);
    }
    if let Ok(raw) = crate::json::to_string(&all) {
        set(T::KEY, &raw);
    }
}

fn find<T: Remembered>(code: &str) -> Option<T> {
    remembered::<T>()
        .into_iter()
        .find(|r| same_code(r.code(), code))
}

/// A booking made on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedBooking {
    pub code: String,
    pub phone: String,
}

impl Remembered for RememberedBooking {
    const KEY: &'static str = "labday.bookings";
    fn code(&self) -> &str {
        &self.code
    }
}

pub fn remembered_bookings() -> Vec<RememberedBooking> {
    remembered()
}

/// Remembers a booking (newest first, once).
pub fn remember_booking(code: &str, phone: &str) {
    let entry = RememberedBooking {
        code: code.into(),
        phone: phone.into(),
    };
    keep(code, Some(entry));
}

/// Forgets a booking on this device (its details were erased on the server).
pub fn forget_booking(code: &str) {
    keep::<RememberedBooking>(code, None);
}

/// The phone typed for a booking on this device, if any.
pub fn phone_for(code: &str) -> Option<String> {
    find::<RememberedBooking>(code).map(|b| b.phone)
}

/// A vegetable sample registered on this device: its code and the phone's last four digits
/// (all a result lookup needs; the full number is not kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedSample {
    pub code: String,
    pub last4: String,
}

impl Remembered for RememberedSample {
    const KEY: &'static str = "labday.samples";
    fn code(&self) -> &str {
        &self.code
    }
}

pub fn remembered_samples() -> Vec<RememberedSample> {
    remembered()
}

/// Remembers a sample (newest first, once).
pub fn remember_sample(code: &str, last4: &str) {
    let entry = RememberedSample {
        code: code.into(),
        last4: last4.into(),
    };
    keep(code, Some(entry));
}

/// Forgets a sample on this device (its holder's details were erased on the server).
pub fn forget_sample(code: &str) {
    keep::<RememberedSample>(code, None);
}

/// The last four phone digits typed for a sample on this device, if any.
pub fn last4_for(code: &str) -> Option<String> {
    find::<RememberedSample>(code).map(|s| s.last4)
}

pub fn saved_lang() -> Option<String> {
    get(LANG_KEY)
}

pub fn save_lang(code: &str) {
    set(LANG_KEY, code);
}

/// Whether this device chose the elder-friendly mode (长辈版).
pub fn elder_mode() -> bool {
    get(ELDER_KEY).as_deref() == Some("1")
}

pub fn save_elder_mode(on: bool) {
    set(ELDER_KEY, if on { "1" } else { "0" });
}
