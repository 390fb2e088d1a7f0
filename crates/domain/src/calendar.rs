//! "Add to calendar": an iCalendar (RFC 5545) event for a booking, built where the holder
//! is, so no personal data travels in a URL.

use crate::booking::BookingView;
use crate::time::SHANGHAI_OFFSET_MINUTES;
use chrono::{Duration, NaiveDateTime};

fn utc_stamp(local: NaiveDateTime, offset_minutes: i32) -> String {
    (local - Duration::minutes(i64::from(offset_minutes)))
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
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
