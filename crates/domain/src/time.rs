//! Venue-local time. Every time labday shows or compares is the venue's wall-clock time
//! (Asia/Shanghai, UTC+8, by default; per organisation), so a phone set to another zone
//! still sees the times printed on the lab's poster. China has no daylight saving, so a
//! fixed offset per organisation is exact.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

/// UTC+8, the offset of Asia/Shanghai.
pub const SHANGHAI_OFFSET_MINUTES: i32 = 480;

/// Converts an instant to the wall-clock time at a venue `offset_minutes` east of UTC.
pub fn venue_local(now: DateTime<Utc>, offset_minutes: i32) -> NaiveDateTime {
    now.naive_utc() + Duration::minutes(i64::from(offset_minutes))
}

/// `HH:MM`, the way session times are printed.
pub fn hhmm(t: &NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}
