//! "Add to calendar": an iCalendar (RFC 5545) event for a booking, built where the holder
//! is, so no personal data travels in a URL.

use crate::booking::BookingView;
use crate::time::SHANGHAI_OFFSET_MINUTES;
use chrono::{Datelike, Duration, NaiveDateTime, Timelike};

/// `20260920T013000Z`: the UTC form RFC 5545 wants. Written out by hand rather than with
/// chrono's `format`, whose strftime machinery would otherwise ship in the WebAssembly.
fn utc_stamp(local: NaiveDateTime, offset_minutes: i32) -> String {
    let t = local - Duration::minutes(i64::from(offset_minutes));
    let year = t.year();
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{year:+}")
    };
    format!(
        "{year}{:02}{:02}T{:02}{:02}{:02}Z",
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Escapes text per RFC 5545 §3.3.11.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// The .ics file for a booking, in the reader's language. Venue times are UTC+8.
pub fn booking_event(view: &BookingView, lang: &str) -> String {
    let s = &view.session;
    let title = format!("{} · {}", s.activity_title.get(lang), s.title.get(lang));
    let mut location = s.place.get(lang).to_owned();
    if !view.address.get(lang).is_empty() {
        location = format!("{location}, {}", view.address.get(lang));
    }
    let mut description = format!(
        "{}: {}",
        if lang.starts_with("en") {
            "Booking code"
        } else {
            "预约码"
        },
        view.code.display()
    );
    if let Some(link) = &view.join_link {
        description.push('\n');
        description.push_str(link);
    }
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//labday//booking//ZH".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@labday", view.code.as_str()),
        format!(
            "DTSTAMP:{}",
            utc_stamp(view.booked_at, SHANGHAI_OFFSET_MINUTES)
        ),
        format!(
            "DTSTART:{}",
            utc_stamp(s.starts_at, SHANGHAI_OFFSET_MINUTES)
        ),
        format!("DTEND:{}", utc_stamp(s.ends_at, SHANGHAI_OFFSET_MINUTES)),
        format!("SUMMARY:{}", escape(&title)),
        format!("LOCATION:{}", escape(&location)),
        format!("DESCRIPTION:{}", escape(&description)),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    lines.join("\r\n") + "\r\n"
}

#[cfg(test)]
mod tests {
    use super::utc_stamp;

    #[test]
    fn stamps_are_utc_in_the_basic_format() {
        let local = crate::time::test_time(20, 7, 5, 9);
        // 07:05:09 in Shanghai is 23:05:09 UTC the day before.
        assert_eq!(utc_stamp(local, 480), "20260919T230509Z");
        assert_eq!(utc_stamp(local, 0), "20260920T070509Z");
        assert_eq!(
            utc_stamp(local, 480),
            (local - chrono::Duration::minutes(480))
                .format("%Y%m%dT%H%M%SZ")
                .to_string(),
            "same text as chrono's strftime"
        );
    }
}
