//! Calendars (iCalendar, RFC 5545) that every client reads: "add to calendar" for one
//! booking, built where the holder is so no personal data travels in a URL, and a
//! subscribable feed of an activity's sessions for portals.
//!
//! - Times are written in UTC (`...Z`), computed from the organisation's own offset that
//!   every session carries (`utc_offset_minutes`), so no client has to know a time-zone
//!   database and no VTIMEZONE is needed.
//! - Content lines are folded at 75 octets (§3.1), never inside a UTF-8 character: a
//!   Chinese title of 25 characters is already 75 octets.
//! - A booking's event carries one alarm, [`ALARM_BEFORE`] the start. The feed has none:
//!   its events are sessions a subscriber may not have booked, and an alarm for each would
//!   be noise.

use crate::activity::{ActivityDetail, Localised};
use crate::booking::BookingView;
use crate::session::{SessionFormat, SessionStatus, SessionView};
use crate::text::escape_with;
use chrono::{Datelike, Duration, NaiveDateTime, Timelike};

/// When a booking's reminder rings: two hours before the start, time enough to travel
/// across town to a lab or find the cloud classroom's link. The day-before reminder is the
/// outbox's message (issue 17), not the calendar's.
pub const ALARM_BEFORE: &str = "-PT2H";

/// Longest content line in octets, without its CRLF (RFC 5545 §3.1).
pub const LINE_OCTETS: usize = 75;

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

/// Escapes text per RFC 5545 §3.3.11. A line break becomes `\n`; other control
/// characters, which TEXT may not hold, are dropped.
fn escape(text: &str) -> String {
    escape_with(text, |c| match c {
        '\\' => Some("\\\\"),
        ';' => Some("\\;"),
        ',' => Some("\\,"),
        '\n' => Some("\\n"),
        c if c.is_control() => Some(""),
        _ => None,
    })
}

/// Appends one content line, folded: a line longer than [`LINE_OCTETS`] octets continues
/// on the next after CRLF and a space (which counts towards that line's octets), and a
/// fold never falls inside a character.
fn push_folded(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > LINE_OCTETS {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

/// A calendar being written, line by line.
struct Ics(String);

impl Ics {
    fn new(extra: &[String]) -> Ics {
        let mut ics = Ics(String::new());
        ics.line("BEGIN:VCALENDAR");
        ics.line("VERSION:2.0");
        ics.line("PRODID:-//labday//booking//ZH");
        ics.line("CALSCALE:GREGORIAN");
        for line in extra {
            ics.line(line);
        }
        ics
    }

    fn line(&mut self, line: &str) {
        push_folded(&mut self.0, line);
    }

    fn finish(mut self) -> String {
        self.line("END:VCALENDAR");
        self.0
    }
}

/// What one event says beyond its session's times.
struct Event<'a> {
    uid: String,
    stamp: String,
    /// Higher for a later version of the same event (`UID`), so a calendar that holds it
    /// takes the new one in its place (a booking moved to another time, then added again).
    sequence: Option<i64>,
    session: &'a SessionView,
    summary: String,
    location: String,
    description: String,
    alarm: bool,
}

impl Ics {
    fn event(&mut self, e: Event<'_>) {
        let s = e.session;
        let offset = s.utc_offset_minutes;
        self.line("BEGIN:VEVENT");
        self.line(&format!("UID:{}", e.uid));
        self.line(&format!("DTSTAMP:{}", e.stamp));
        if let Some(n) = e.sequence {
            self.line(&format!("SEQUENCE:{n}"));
        }
        self.line(&format!("DTSTART:{}", utc_stamp(s.starts_at, offset)));
        self.line(&format!("DTEND:{}", utc_stamp(s.ends_at, offset)));
        self.line(&format!("SUMMARY:{}", escape(&e.summary)));
        if !e.location.is_empty() {
            self.line(&format!("LOCATION:{}", escape(&e.location)));
        }
        self.line(&format!("DESCRIPTION:{}", escape(&e.description)));
        if s.status == SessionStatus::Cancelled {
            self.line("STATUS:CANCELLED");
        }
        if e.alarm {
            self.line("BEGIN:VALARM");
            self.line("ACTION:DISPLAY");
            self.line(&format!("TRIGGER:{ALARM_BEFORE}"));
            self.line(&format!("DESCRIPTION:{}", escape(&e.summary)));
            self.line("END:VALARM");
        }
        self.line("END:VEVENT");
    }
}

fn english(lang: &str) -> bool {
    lang.starts_with("en")
}

/// `活动 · 场次` in the reader's language.
fn title(s: &SessionView, lang: &str) -> String {
    format!("{} · {}", s.activity_title.get(lang), s.title.get(lang))
}

/// The session's place, and the address after it when there is one and the session is
/// held there (a cloud classroom is not: its place is where it streams from).
fn location(s: &SessionView, address: &Localised, lang: &str) -> String {
    let place = s.place.get(lang);
    let address = s.held_at.as_ref().unwrap_or(address);
    let address = match s.format {
        SessionFormat::CloudClassroom => "",
        _ => address.get(lang),
    };
    match (place.is_empty(), address.is_empty()) {
        (_, true) => place.to_owned(),
        (true, false) => address.to_owned(),
        (false, false) => format!("{place}, {address}"),
    }
}

/// The .ics file for a booking, in the reader's language, with its reminder, made at `now`.
/// Its `UID` is the booking's code, which a move keeps; a file made later says it is the
/// later version (`DTSTAMP` now, `SEQUENCE` the minutes since the booking was made), so a
/// calendar that took the first one replaces it with the booking's new time.
pub fn booking_event(view: &BookingView, lang: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let s = &view.session;
    let mut description = format!(
        "{}: {}",
        if english(lang) {
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
    let mut ics = Ics::new(&[]);
    ics.event(Event {
        uid: format!("{}@labday", view.code.as_str()),
        stamp: utc_stamp(now.naive_utc(), 0),
        sequence: Some(since_booked(view, now)),
        session: s,
        summary: title(s, lang),
        location: location(s, &view.address, lang),
        description,
        alarm: true,
    });
    ics.finish()
}

/// Whole minutes from the booking to `now` (0 for a clock behind the server's).
fn since_booked(view: &BookingView, now: chrono::DateTime<chrono::Utc>) -> i64 {
    let offset = Duration::minutes(i64::from(view.session.utc_offset_minutes));
    let booked = view.booked_at - offset;
    (now.naive_utc() - booked).num_minutes().max(0)
}

/// The subscribable calendar of an activity: one event per session in `detail`, each with
/// a UID that stays the same across fetches (`session-<id>@labday`), so a subscriber's
/// calendar updates its events instead of adding new ones; a cancelled session stays, as
/// `STATUS:CANCELLED`, so subscribers see it go. `now` is the DTSTAMP.
pub fn activity_feed(
    detail: &ActivityDetail,
    lang: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    let stamp = utc_stamp(now.naive_utc(), 0);
    let name = detail.summary.title.get(lang);
    let mut ics = Ics::new(&[
        format!("X-WR-CALNAME:{}", escape(name)),
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H".to_owned(),
        "X-PUBLISHED-TTL:PT1H".to_owned(),
    ]);
    let mut description = detail.description.get(lang).to_owned();
    if !detail.contact.is_empty() {
        description.push('\n');
        description.push_str(&detail.contact);
    }
    for s in &detail.sessions {
        ics.event(Event {
            uid: format!("session-{}@labday", s.id),
            stamp: stamp.clone(),
            // A subscriber's calendar takes each fetch whole.
            sequence: None,
            session: s,
            summary: title(s, lang),
            location: location(s, &detail.address, lang),
            description: description.clone(),
            alarm: false,
        });
    }
    ics.finish()
}

/// Undoes folding (RFC 5545 §3.1): a CRLF followed by a space or tab is removed.
pub fn unfold(text: &str) -> String {
    text.replace("\r\n ", "").replace("\r\n\t", "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stamps_are_utc_in_the_basic_format() {
        let local = crate::time::test_time(20, 7, 5, 9);
        // 07:05:09 in Shanghai is 23:05:09 UTC the day before.
        assert_eq!(utc_stamp(local, 480), "20260919T230509Z");
        assert_eq!(utc_stamp(local, 0), "20260920T070509Z");
        // West of Greenwich the UTC time is later.
        assert_eq!(utc_stamp(local, -300), "20260920T120509Z");
        assert_eq!(
            utc_stamp(local, 480),
            (local - chrono::Duration::minutes(480))
                .format("%Y%m%dT%H%M%SZ")
                .to_string(),
            "same text as chrono's strftime"
        );
    }

    fn folded(line: &str) -> String {
        let mut out = String::new();
        push_folded(&mut out, line);
        out
    }

    fn assert_folded_well(text: &str) {
        assert!(text.ends_with("\r\n"));
        for physical in text.trim_end_matches("\r\n").split("\r\n") {
            assert!(
                physical.len() <= LINE_OCTETS,
                "{} octets: {physical:?}",
                physical.len()
            );
            assert!(!physical.contains('\r') && !physical.contains('\n'));
        }
    }

    #[test]
    fn a_long_chinese_title_folds_between_characters() {
        let line = format!(
            "SUMMARY:{}",
            "检验检测机构开放日·食品检验检测研究院".repeat(3)
        );
        let text = folded(&line);
        assert_folded_well(&text);
        assert!(text.matches("\r\n ").count() >= 2, "{text:?}");
        assert_eq!(unfold(&text), format!("{line}\r\n"));
        // Every line but the last is as full as whole characters allow.
        let lines: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
        for full in &lines[..lines.len() - 1] {
            assert!(full.len() > LINE_OCTETS - 3, "{full:?}");
        }
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded() {
        let line = "X".repeat(75);
        assert_eq!(folded(&line), format!("{line}\r\n"));
        let longer = "X".repeat(76);
        assert_eq!(folded(&longer), format!("{}\r\n X\r\n", "X".repeat(75)));
    }

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(escape("a,b;c\\d\ne\r\u{7}f"), "a\\,b\\;c\\\\d\\nef");
    }

    /// A session of the given title and offset, 09:00–11:00 venue time on 20 September.
    fn session(id: i64, title_zh: &str, offset: i32, cancelled: bool) -> SessionView {
        serde_json::from_value(serde_json::json!({
            "id": id, "activity_id": 3,
            "activity_title": {"zh": "南昌市食品检验所开放日", "en": "Food lab open day"},
            "format": "visit", "title": {"zh": title_zh, "en": "Morning tour"},
            "starts_at": "2026-09-20T09:00:00", "ends_at": "2026-09-20T11:00:00",
            "place": {"zh": "一楼大厅", "en": "Lobby"},
            "capacity": 30, "booked": 2, "places_left": 28, "availability": "open",
            "per_booking_limit": 5,
            "booking_opens_at": "2026-09-01T09:00:00", "booking_closes_at": "2026-09-20T08:00:00",
            "cancel_deadline": "2026-09-19T18:00:00", "window": "open",
            "status": if cancelled { "cancelled" } else { "scheduled" },
            "waiting": 0, "utc_offset_minutes": offset
        }))
        .expect("a session view")
    }

    fn booking(offset: i32) -> BookingView {
        let s = session(
            9,
            &"食品安全快检体验与实验室参观（上午场）".repeat(2),
            offset,
            false,
        );
        serde_json::from_value(serde_json::json!({
            "code": "K7QM4XPB", "status": "confirmed", "name_masked": "张*",
            "phone_masked": "138****8000", "adults": 1, "children": 0,
            "waitlist_position": null, "session": s,
            "organisation": {"zh": "南昌市食品检验所", "en": "Nanchang Food Lab"},
            "address": {"zh": "南昌市红谷滩区丰和中大道1号，检测大楼", "en": "1 Fenghe Rd"},
            "join_link": null, "can_cancel": true, "booked_at": "2026-09-10T12:00:00"
        }))
        .expect("a booking view")
    }

    /// The calendars as an independent parser (the `ical` crate) reads them.
    fn parse(text: &str) -> ical::parser::ical::component::IcalCalendar {
        let mut calendars = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
        let calendar = calendars.next().expect("one calendar").expect("parses");
        assert!(calendars.next().is_none());
        calendar
    }

    fn property<'a>(props: &'a [ical::property::Property], name: &str) -> Option<&'a str> {
        props
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.as_deref())
    }

    #[test]
    fn a_bookings_event_reads_back_with_its_title_times_in_utc_and_reminder() {
        for (offset, start) in [(480, "20260920T010000Z"), (420, "20260920T020000Z")] {
            let view = booking(offset);
            let text = booking_event(&view, "zh-CN", made());
            assert_folded_well(&text);
            let calendar = parse(&text);
            let [event] = &calendar.events[..] else {
                panic!("one event: {text}")
            };
            assert_eq!(property(&event.properties, "DTSTART"), Some(start));
            assert_eq!(
                property(&event.properties, "SUMMARY").map(str::to_owned),
                Some(escape(&title(&view.session, "zh-CN")))
            );
            assert_eq!(property(&event.properties, "UID"), Some("K7QM4XPB@labday"));
            let [alarm] = &event.alarms[..] else {
                panic!("one alarm: {text}")
            };
            assert_eq!(property(&alarm.properties, "TRIGGER"), Some("-PT2H"));
            assert_eq!(property(&alarm.properties, "ACTION"), Some("DISPLAY"));
        }
    }

    /// When the tests' files are made: a day after the bookings of [`booking`] (whatever
    /// their offset).
    fn made() -> chrono::DateTime<chrono::Utc> {
        let view = booking(480);
        let booked = view.booked_at - Duration::minutes(480);
        (booked + Duration::days(1)).and_utc()
    }

    #[test]
    fn a_file_made_later_replaces_the_event_a_calendar_holds() {
        let view = booking(480);
        let event = |now| {
            let calendar = parse(&booking_event(&view, "en", now));
            let props = calendar.events[0].properties.clone();
            let read = |name| property(&props, name).map(str::to_owned);
            (read("UID"), read("DTSTAMP"), read("SEQUENCE"))
        };
        let first = event(made());
        let later = event(made() + Duration::minutes(90));
        assert_eq!(first.0, later.0, "one event: the booking's code");
        assert_eq!(first.2.as_deref(), Some("1440"));
        assert_eq!(later.2.as_deref(), Some("1530"));
        assert!(later.1 > first.1, "{later:?} after {first:?}");
        // A device whose clock is behind the booking's still makes a valid file.
        let early = event(made() - Duration::days(2));
        assert_eq!(early.2.as_deref(), Some("0"));
    }

    #[test]
    fn an_online_seat_is_not_sent_to_the_street_address() {
        let mut view = booking(480);
        view.address = Localised::new("丰和中大道1号", "1 Fenghe Rd");
        let on_site = parse(&booking_event(&view, "zh-CN", made()));
        let location = |c: &ical::parser::ical::component::IcalCalendar| {
            property(&c.events[0].properties, "LOCATION").map(str::to_owned)
        };
        assert!(location(&on_site).is_some_and(|l| l.contains("丰和中大道1号")));
        view.session.format = SessionFormat::CloudClassroom;
        let online = parse(&booking_event(&view, "zh-CN", made()));
        assert_eq!(
            location(&online),
            Some(escape(view.session.place.get("zh-CN")))
        );
    }

    #[test]
    fn a_session_held_elsewhere_is_placed_at_its_own_address() {
        let mut view = booking(480);
        view.session.held_at = Some(Localised::new("青山湖大道8号农贸市场", ""));
        let text = booking_event(&view, "en", made());
        let calendar = parse(&text);
        let location = property(&calendar.events[0].properties, "LOCATION").unwrap();
        assert_eq!(location, escape("Lobby, 青山湖大道8号农贸市场"));
        assert!(!location.contains("Fenghe"));
    }

    #[test]
    fn an_activitys_feed_has_one_event_per_session_with_stable_uids_and_no_alarms() {
        let detail: ActivityDetail = serde_json::from_value(serde_json::json!({
            "id": 3, "kind": "lab_open_day",
            "title": {"zh": "南昌市食品检验所开放日", "en": "Food lab open day"},
            "organisation": {"zh": "南昌市食品检验所", "en": "Nanchang Food Lab"},
            "city": {"zh": "南昌", "en": "Nanchang"},
            "starts_on": "2026-09-20", "ends_on": "2026-09-21", "formats": ["visit"],
            "places_left": 28, "availability": "open",
            "description": {"zh": "参观实验室，了解食品检测；请带身份证。", "en": "Visit the lab"},
            "address": {"zh": "丰和中大道1号", "en": "1 Fenghe Rd"},
            "safety_notes": {"zh": "", "en": ""}, "contact": "0791-0000000",
            "sessions": [session(11, "上午场", 480, false), session(12, "下午场", 480, true)]
        }))
        .expect("an activity");
        let now = chrono::DateTime::parse_from_rfc3339("2026-09-15T08:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let text = activity_feed(&detail, "en", now);
        assert_folded_well(&text);
        assert_eq!(
            text,
            activity_feed(&detail, "en", now),
            "the same every time"
        );
        let calendar = parse(&text);
        assert_eq!(
            property(&calendar.properties, "X-WR-CALNAME"),
            Some("Food lab open day")
        );
        let uids: Vec<_> = calendar
            .events
            .iter()
            .map(|e| property(&e.properties, "UID"))
            .collect();
        assert_eq!(uids, [Some("session-11@labday"), Some("session-12@labday")]);
        assert!(calendar.events.iter().all(|e| e.alarms.is_empty()));
        assert_eq!(
            property(&calendar.events[1].properties, "STATUS"),
            Some("CANCELLED")
        );
        assert_eq!(
            property(&calendar.events[0].properties, "DTSTAMP"),
            Some("20260915T080000Z")
        );
    }

    proptest! {
        /// Any Unicode text, escaped and folded, gives lines of at most 75 octets that
        /// unfold to the original line.
        #[test]
        fn folding_keeps_lines_short_and_unfolds_to_the_original(text in any::<String>(), prefix in "[A-Z]{1,12}") {
            let line = format!("{prefix}:{}", escape(&text));
            let out = folded(&line);
            for physical in out.trim_end_matches("\r\n").split("\r\n") {
                prop_assert!(physical.len() <= LINE_OCTETS);
            }
            prop_assert_eq!(unfold(&out), format!("{line}\r\n"));
        }

        /// Text of wide characters only (3 and 4 octets each) folds too.
        #[test]
        fn wide_characters_fold_whole(text in "[\u{4e00}-\u{9fa5}\u{1F300}-\u{1F5FF}]{0,200}") {
            let line = format!("SUMMARY:{text}");
            let out = folded(&line);
            assert_folded_well(&out);
            prop_assert_eq!(unfold(&out), format!("{line}\r\n"));
        }
    }
}
