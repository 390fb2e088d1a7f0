//! Venue-local time. Every time labday shows or compares is the venue's wall-clock time
//! (Asia/Shanghai, UTC+8, by default; per organisation), so a phone set to another zone
//! still sees the times printed on the lab's poster. China has no daylight saving, so a
//! fixed offset per organisation is exact.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

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

/// Reads `digits` at the front of `s` (at least `min`, at most `max` of them).
fn number(s: &mut &[u8], min: usize, max: usize) -> Option<u32> {
    let n = s
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if n < min {
        return None;
    }
    let value = s[..n]
        .iter()
        .fold(0u32, |v, b| v * 10 + u32::from(b - b'0'));
    *s = &s[n..];
    Some(value)
}

fn literal(s: &mut &[u8], byte: u8) -> Option<()> {
    let (first, rest) = s.split_first()?;
    (*first == byte).then(|| *s = rest)
}

fn date_prefix(s: &mut &[u8]) -> Option<NaiveDate> {
    let negative = match s.first() {
        Some(b'-') | Some(b'+') => {
            let negative = s[0] == b'-';
            *s = &s[1..];
            negative
        }
        _ => false,
    };
    let year = i32::try_from(number(s, 1, 6)?).ok()?;
    literal(s, b'-')?;
    let month = number(s, 1, 2)?;
    literal(s, b'-')?;
    let day = number(s, 1, 2)?;
    NaiveDate::from_ymd_opt(if negative { -year } else { year }, month, day)
}

/// `2026-09-20`: a date as the wire, the address bar and `<input type="date">` carry it
/// (what chrono's `NaiveDate` parsing accepts there, surrounding spaces allowed).
///
/// Hand-written so the WebAssembly does not carry chrono's general parser.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let mut s = raw.trim().as_bytes();
    let date = date_prefix(&mut s)?;
    s.is_empty().then_some(date)
}

/// `2026-09-20T09:30:00`, with an optional fraction of a second (`.5`, `.123456789`):
/// how chrono writes a `NaiveDateTime` on the wire.
pub fn parse_datetime(raw: &str) -> Option<NaiveDateTime> {
    let mut s = raw.trim().as_bytes();
    let date = date_prefix(&mut s)?;
    literal(&mut s, b'T')?;
    let hour = number(&mut s, 1, 2)?;
    literal(&mut s, b':')?;
    let minute = number(&mut s, 1, 2)?;
    literal(&mut s, b':')?;
    let mut second = number(&mut s, 1, 2)?;
    let mut nano = 0;
    if literal(&mut s, b'.').is_some() {
        let before = s.len();
        let digits = number(&mut s, 1, 9)?;
        nano = digits * 10u32.pow(9 - (before - s.len()) as u32);
        // Digits past nanoseconds are dropped, as chrono does.
        while s.first().is_some_and(u8::is_ascii_digit) {
            s = &s[1..];
        }
    }
    if second == 60 {
        // A leap second: chrono keeps it as second 59 plus a whole extra second.
        second = 59;
        nano += 1_000_000_000;
    }
    if !s.is_empty() {
        return None;
    }
    date.and_hms_nano_opt(hour, minute, second, nano)
}

/// Serde `deserialize_with` helpers for the WebAssembly build: the same strings chrono
/// writes, read by [`parse_date`] and [`parse_datetime`]. The server keeps chrono's own
/// `Deserialize`, and serialisation is chrono's everywhere, so the JSON is unchanged.
pub mod wire {
    use chrono::{NaiveDate, NaiveDateTime};
    use serde::{de::Error, Deserialize, Deserializer};

    fn text<'de, D: Deserializer<'de>, T>(
        d: D,
        parse: fn(&str) -> Option<T>,
        what: &str,
    ) -> Result<T, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse(&raw).ok_or_else(|| D::Error::custom(what))
    }

    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        text(d, super::parse_date, "invalid date")
    }

    pub fn datetime<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        text(d, super::parse_datetime, "invalid date and time")
    }

    pub fn option_datetime<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDateTime>, D::Error> {
        let raw = <Option<std::borrow::Cow<'de, str>>>::deserialize(d)?;
        match raw {
            None => Ok(None),
            Some(raw) => super::parse_datetime(&raw)
                .map(Some)
                .ok_or_else(|| D::Error::custom("invalid date and time")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_what_the_wire_and_date_inputs_carry() {
        let d = NaiveDate::from_ymd_opt(2026, 9, 20).unwrap();
        assert_eq!(parse_date("2026-09-20"), Some(d));
        assert_eq!(parse_date(" 2026-9-20 "), Some(d));
        for bad in [
            "",
            "2026-09",
            "2026-13-01",
            "2026-02-30",
            "2026/09/20",
            "2026-09-20x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        let t = d.and_hms_opt(9, 30, 0).unwrap();
        assert_eq!(parse_datetime("2026-09-20T09:30:00"), Some(t));
        assert_eq!(
            parse_datetime("2026-09-20T09:30:00.250"),
            Some(d.and_hms_milli_opt(9, 30, 0, 250).unwrap())
        );
        for bad in [
            "2026-09-20",
            "2026-09-20 09:30:00",
            "2026-09-20T25:00:00",
            "2026-09-20T09:30",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn reads_back_every_time_chrono_writes(
            days in -1_000_000i64..1_000_000,
            secs in 0u32..86_400,
            nano in prop_oneof![Just(0u32), 0u32..1_000_000_000, (0u32..1000).prop_map(|m| m * 1_000_000)],
        ) {
            let date = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap() + Duration::days(days);
            let t = date.and_hms_nano_opt(secs / 3600, secs / 60 % 60, secs % 60, nano).unwrap();
            let wire = serde_json::to_value(t).unwrap();
            let wire = wire.as_str().unwrap();
            prop_assert_eq!(parse_datetime(wire), Some(t), "{}", wire);
            prop_assert_eq!(Some(t), wire.parse::<NaiveDateTime>().ok());
            let wire = serde_json::to_value(date).unwrap();
            prop_assert_eq!(parse_date(wire.as_str().unwrap()), Some(date));
        }
    }
}
