//! Venue-local time. Every time labday shows or compares is the venue's wall-clock time
//! (Asia/Shanghai, UTC+8, by default; per organisation), so a phone set to another zone
//! still sees the times printed on the lab's poster. China has no daylight saving, so a
//! fixed offset per organisation is exact.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

/// UTC+8, the offset of Asia/Shanghai.
pub const SHANGHAI_OFFSET_MINUTES: i32 = 480;

/// [`SHANGHAI_OFFSET_MINUTES`], for serde's `default`.
pub fn shanghai_offset() -> i32 {
    SHANGHAI_OFFSET_MINUTES
}

/// What a venue-local time looks like on the wire: `2026-12-03T09:00:00`, sometimes with a
/// fraction of a second, never with an offset (see [`VenueDateTime`]).
pub const VENUE_DATETIME_PATTERN: &str =
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?$";

/// The OpenAPI schema of every time on the wire. Not `format: date-time`: RFC 3339 requires
/// an offset, and these are the venue's wall-clock times, as printed on its poster. A
/// session says how far its venue is from UTC (`utc_offset_minutes`).
#[cfg(feature = "openapi")]
pub struct VenueDateTime;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for VenueDateTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(VENUE_DATETIME_PATTERN))
            .description(Some(
                "Wall-clock time, no offset: `YYYY-MM-DDTHH:MM:SS`, sometimes with a \
                 fraction of a second. Session and booking times are the venue's: its offset \
                 from UTC is the session's `utc_offset_minutes` (480, UTC+8, for every venue \
                 in China). Times of staff actions (audit log, photos, press coverage, \
                 sample reception and tests) are UTC+8 (Asia/Shanghai).",
            ))
            .examples(["2026-12-03T09:00:00"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for VenueDateTime {}

/// Converts an instant to the wall-clock time at a venue `offset_minutes` east of UTC.
pub fn venue_local(now: DateTime<Utc>, offset_minutes: i32) -> NaiveDateTime {
    now.naive_utc() + Duration::minutes(i64::from(offset_minutes))
}

/// Years labday schedules in. A date outside them is a typo or an attack: refusing it keeps
/// every date and time on the wire in the four-digit form the API document declares, and
/// date arithmetic (a series' days, a deadline's minutes) far from chrono's limits.
pub const SERVICE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2999;

/// Whether `date` falls within [`SERVICE_YEARS`].
pub fn in_service(date: NaiveDate) -> bool {
    use chrono::Datelike;
    SERVICE_YEARS.contains(&date.year())
}

/// Whether `at` is a time a venue's clock shows: its date [`in_service`], and not a leap
/// second (`…:60`, which chrono reads, SQLite would keep as written and PostgreSQL would
/// turn into the next minute).
pub fn on_the_clock(at: NaiveDateTime) -> bool {
    in_service(at.date()) && not_leap(at.time())
}

/// Whether `t` is not a leap second (`…:60`).
pub fn not_leap(t: chrono::NaiveTime) -> bool {
    use chrono::Timelike;
    t.nanosecond() < 1_000_000_000
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

/// `2026-09-{day} {hour}:{minute}:{second}`, venue-local: the Quality Month the tests use.
#[cfg(test)]
pub(crate) fn test_time(day: u32, hour: u32, minute: u32, second: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 9, day)
        .and_then(|d| d.and_hms_opt(hour, minute, second))
        .expect("a valid September time")
}

/// Serde helpers; wire fields name [`wire::venue_datetime`] or [`wire::venue_date`] in
/// `#[serde(with = …)]`. Reading, in the WebAssembly build: the same strings chrono writes,
/// read by [`parse_date`] and [`parse_datetime`] (the server keeps chrono's own
/// `Deserialize`). Writing: [`put_datetime`] writes what chrono's `Serialize` writes, byte
/// for byte, without chrono's general formatter (half of the cost of serialising a booking's
/// answer).
pub mod wire {
    use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
    use serde::{de::Error, Deserialize, Deserializer, Serialize, Serializer};

    /// `2026-09-20T09:30:00`, then `.mmm`, `.uuuuuu` or `.nnnnnnnnn` when there is a fraction
    /// of a second (the fewest of those that is exact), as chrono writes it.
    pub fn put_datetime<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        let nano = t.nanosecond();
        if !(0..=9999).contains(&t.year()) || nano >= 1_000_000_000 {
            // Signed or five-digit years, leap seconds: chrono's own.
            return t.serialize(s);
        }
        let mut buf = [0u8; 29];
        let mut put = |at: usize, value: u32, width: usize| {
            let mut v = value;
            for i in (at..at + width).rev() {
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, t.year() as u32, 4);
        put(5, t.month(), 2);
        put(8, t.day(), 2);
        put(11, t.hour(), 2);
        put(14, t.minute(), 2);
        put(17, t.second(), 2);
        // The fewest digits that are exact: milli-, micro- or nanoseconds.
        let (digits, len) = match (nano % 1_000_000, nano % 1_000) {
            _ if nano == 0 => (0, 19),
            (0, _) => (nano / 1_000_000, 23),
            (_, 0) => (nano / 1_000, 26),
            _ => (nano, 29),
        };
        if len > 19 {
            put(20, digits, len - 20);
        }
        for (at, byte) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
        ] {
            buf[at] = byte;
        }
        s.serialize_str(std::str::from_utf8(&buf[..len]).unwrap_or_default())
    }

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

    /// `#[serde(with = "crate::time::wire::venue_datetime")]` on a venue-local time: written
    /// by [`put_datetime`], read by [`datetime`] in the WebAssembly build and by chrono on
    /// the server.
    pub mod venue_datetime {
        use chrono::NaiveDateTime;
        use serde::{Deserializer, Serializer};

        pub fn serialize<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
            super::put_datetime(t, s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
            #[cfg(target_arch = "wasm32")]
            return super::datetime(d);
            #[cfg(not(target_arch = "wasm32"))]
            serde::Deserialize::deserialize(d)
        }
    }

    /// `#[serde(with = "crate::time::wire::venue_date")]` on a date: chrono's own writing,
    /// read by [`date`] in the WebAssembly build and by chrono on the server.
    pub mod venue_date {
        use chrono::NaiveDate;
        use serde::{Deserializer, Serialize, Serializer};

        pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
            d.serialize(s)
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
            #[cfg(target_arch = "wasm32")]
            return super::date(d);
            #[cfg(not(target_arch = "wasm32"))]
            serde::Deserialize::deserialize(d)
        }
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

    #[derive(serde::Serialize)]
    struct Written(#[serde(serialize_with = "wire::put_datetime")] NaiveDateTime);

    proptest! {
        #[test]
        fn datetimes_are_written_as_chrono_writes_them(
            days in -800_000i64..800_000, nanos in 0i64..86_400_000_000_000, unit in 0usize..4
        ) {
            // Whole seconds, milli-, micro- and nanoseconds: each width of fraction.
            let nanos = nanos - nanos % [1_000_000_000, 1_000_000, 1_000, 1][unit];
            let t = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
                + Duration::days(days)
                + Duration::nanoseconds(nanos);
            prop_assert_eq!(
                serde_json::to_string(&Written(t)).unwrap(),
                serde_json::to_string(&t).unwrap()
            );
        }
    }

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
