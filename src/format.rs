//! How dates, times and domain values read on screen, in each language. Times are the
//! venue's wall-clock times as the server sends them; the phone's time zone plays no part.

use crate::i18n::{self, Lang, Msg};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use labday_domain::booking::BookingStatus;
use labday_domain::session::{Availability, SessionFormat};
use labday_domain::Localised;

const WEEKDAYS_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `11月26日 周四` / `Thu 26 Nov`.
pub fn day(date: NaiveDate, lang: Lang) -> String {
    let wd = date.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Zh => format!("{}月{}日 {}", date.month(), date.day(), WEEKDAYS_ZH[wd]),
        Lang::En => format!(
            "{} {} {}",
            WEEKDAYS_EN[wd],
            date.day(),
            MONTHS_EN[date.month0() as usize]
        ),
    }
}

/// `11月26日 – 12月7日` / `26 Nov – 7 Dec`.
pub fn date_range(from: NaiveDate, to: NaiveDate, lang: Lang) -> String {
    let one = |d: NaiveDate| match lang {
        Lang::Zh => format!("{}月{}日", d.month(), d.day()),
        Lang::En => format!("{} {}", d.day(), MONTHS_EN[d.month0() as usize]),
    };
    span(from, to, one)
}

/// The console's [`date_range`]: with the years when a day is not in this one, so last
/// year's activity does not pass for this year's (`2025年12月30日 – 2026年1月3日`). The
/// citizen pages list only what is still to come, and keep the short form.
pub fn date_range_dated(from: NaiveDate, to: NaiveDate, lang: Lang) -> String {
    dated_in(from, to, lang, venue_now().year())
}

/// [`date_range_dated`] read in `this_year`.
fn dated_in(from: NaiveDate, to: NaiveDate, lang: Lang, this_year: i32) -> String {
    if from.year() == this_year && to.year() == this_year {
        return date_range(from, to, lang);
    }
    let one = |d: NaiveDate| match lang {
        Lang::Zh => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Lang::En => format!(
            "{} {} {}",
            d.day(),
            MONTHS_EN[d.month0() as usize],
            d.year()
        ),
    };
    span(from, to, one)
}

/// One day, or the first and the last.
fn span(from: NaiveDate, to: NaiveDate, one: impl Fn(NaiveDate) -> String) -> String {
    if from == to {
        one(from)
    } else {
        format!("{} – {}", one(from), one(to))
    }
}

pub fn hhmm(t: NaiveDateTime) -> String {
    format!(
        "{:02}:{:02}",
        chrono::Timelike::hour(&t),
        chrono::Timelike::minute(&t)
    )
}

/// `11月26日 周四 09:30–10:30`: the day, then [`times`].
pub fn slot(start: NaiveDateTime, end: NaiveDateTime, lang: Lang) -> String {
    format!("{} {}", day(start.date(), lang), times(start, end, lang))
}

/// `09:30–10:30`, under a heading that names the day. A slot that ends on a later day names
/// that day too (`22:00–11月27日 周五 01:00`), so an evening past midnight does not read as
/// ending before it starts; the midnight that ends its first day reads `24:00`.
pub fn times(start: NaiveDateTime, end: NaiveDateTime, lang: Lang) -> String {
    let ends = if end.date() == start.date() {
        hhmm(end)
    } else if end.time() == chrono::NaiveTime::MIN && start.date().succ_opt() == Some(end.date()) {
        "24:00".to_owned()
    } else {
        moment(end, lang)
    };
    format!("{}–{ends}", hhmm(start))
}

/// `11月26日 周四 09:30`.
pub fn moment(t: NaiveDateTime, lang: Lang) -> String {
    format!("{} {}", day(t.date(), lang), hhmm(t))
}

pub fn format_msg(format: SessionFormat) -> Msg {
    match format {
        SessionFormat::Visit => i18n::FORMAT_VISIT,
        SessionFormat::Demo => i18n::FORMAT_DEMO,
        SessionFormat::QuickTest => i18n::FORMAT_QUICK_TEST,
        SessionFormat::CloudClassroom => i18n::FORMAT_CLOUD,
    }
}

pub fn availability_msg(a: Availability) -> Msg {
    match a {
        Availability::Open => i18n::AVAIL_OPEN,
        Availability::FewLeft => i18n::AVAIL_FEW,
        Availability::Full => i18n::AVAIL_FULL,
        Availability::Cancelled => i18n::AVAIL_CANCELLED,
    }
}

pub fn availability_class(a: Availability) -> &'static str {
    match a {
        Availability::Open => "badge open",
        Availability::FewLeft => "badge few",
        Availability::Full | Availability::Cancelled => "badge full",
    }
}

pub fn status_msg(s: BookingStatus) -> Msg {
    match s {
        BookingStatus::Confirmed => i18n::STATUS_CONFIRMED,
        BookingStatus::Waitlisted => i18n::STATUS_WAITLISTED,
        BookingStatus::Cancelled => i18n::STATUS_CANCELLED,
        BookingStatus::CheckedIn => i18n::STATUS_CHECKED_IN,
        BookingStatus::NoShow => i18n::STATUS_NO_SHOW,
    }
}

/// `n` in words: `one` for 1 (English says "1 adult", not "1 adults"), else `many` with
/// its `{n}` filled.
pub fn counted(n: u32, one: Msg, many: Msg, lang: Lang) -> String {
    match n {
        1 => one.get(lang).to_owned(),
        n => many.fill(lang, &[("n", &n)]),
    }
}

/// `n` days: `30 天` / `30 days`, `1 day`.
pub fn days(n: u32, lang: Lang) -> String {
    counted(n, i18n::DAYS_ONE, i18n::DAYS_N, lang)
}

/// `2 成人 · 1 儿童` / `2 adults · 1 child` (no children, no word of them).
pub fn party(adults: u32, children: u32, lang: Lang) -> String {
    let count = |n: u32, one: Msg, many: Msg| counted(n, one, many, lang);
    let adults = count(adults, i18n::PARTY_ONE_ADULT, i18n::PARTY_ADULTS);
    match children {
        0 => adults,
        n => {
            let children = count(n, i18n::PARTY_ONE_CHILD, i18n::PARTY_CHILDREN);
            format!("{adults} · {children}")
        }
    }
}

/// The venue's wall-clock time now (UTC+8; the server has the last word on windows).
pub fn venue_now() -> NaiveDateTime {
    venue_time(js_sys::Date::now() as i64)
}

/// Where a session is: its place, and its own address after it when it is not held at its
/// organiser's (`held_at`, a quick-test desk at a market).
pub fn place_held(place: &Localised, held_at: Option<&Localised>, lang: Lang) -> String {
    let place = place.get(lang.code());
    match held_at {
        Some(address) => format!("{place} · {}", address.get(lang.code())),
        None => place.to_owned(),
    }
}

/// When a session's booking closes and until when it may be cancelled, in one line.
pub fn deadlines(s: &labday_domain::SessionView, lang: Lang) -> String {
    let closes = moment(s.booking_closes_at, lang);
    let cancel = moment(s.cancel_deadline, lang);
    i18n::CLOSES_AND_CANCEL_BY.fill(lang, &[("closes", &closes), ("cancel", &cancel)])
}

/// The wall-clock time now at a venue `offset_minutes` east of UTC (a session's own).
pub fn now_at(offset_minutes: i32) -> NaiveDateTime {
    let at = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64);
    labday_domain::time::venue_local(at.unwrap_or_default(), offset_minutes)
}

/// The venue's wall-clock time (UTC+8) at `ms` milliseconds since the epoch.
pub fn venue_time(ms: i64) -> NaiveDateTime {
    let at = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    labday_domain::time::venue_local(at, labday_domain::time::SHANGHAI_OFFSET_MINUTES)
}

/// The wall-clock time now at a venue `offset_minutes` east of UTC (a session's own, as its
/// view says: `SessionView::utc_offset_minutes`).
pub fn venue_now_at(offset_minutes: i32) -> NaiveDateTime {
    let at =
        chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default();
    labday_domain::time::venue_local(at, offset_minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_read_naturally_in_both_languages() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        assert_eq!(day(d, Lang::Zh), "11月26日 周四");
        assert_eq!(day(d, Lang::En), "Thu 26 Nov");
        let e = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(date_range(d, e, Lang::En), "26 Nov – 7 Dec");
        assert_eq!(date_range(d, d, Lang::Zh), "11月26日");
        // In the console, another year's days say their years: last year's activity is not
        // this year's.
        assert_eq!(dated_in(d, e, Lang::En, 2026), "26 Nov – 7 Dec");
        assert_eq!(dated_in(d, d, Lang::Zh, 2027), "2026年11月26日");
        let f = NaiveDate::from_ymd_opt(2027, 1, 3).unwrap();
        assert_eq!(dated_in(e, f, Lang::En, 2026), "7 Dec 2026 – 3 Jan 2027");
        assert_eq!(
            dated_in(e, f, Lang::Zh, 2027),
            "2026年12月7日 – 2027年1月3日"
        );
    }

    #[test]
    fn a_slot_past_midnight_names_the_day_it_ends() {
        let at = |(d, h, m): (u32, u32, u32)| {
            NaiveDate::from_ymd_opt(2026, 11, d)
                .and_then(|d| d.and_hms_opt(h, m, 0))
                .unwrap()
        };
        for (start, end, lang, said) in [
            (
                (26, 9, 30),
                (26, 10, 30),
                Lang::Zh,
                "11月26日 周四 09:30–10:30",
            ),
            (
                (26, 22, 0),
                (27, 1, 0),
                Lang::Zh,
                "11月26日 周四 22:00–11月27日 周五 01:00",
            ),
            (
                (26, 22, 0),
                (27, 1, 0),
                Lang::En,
                "Thu 26 Nov 22:00–Fri 27 Nov 01:00",
            ),
            // A whole day, and an evening to midnight, end at the midnight closing the day.
            ((26, 0, 0), (27, 0, 0), Lang::En, "Thu 26 Nov 00:00–24:00"),
            (
                (26, 20, 0),
                (27, 0, 0),
                Lang::Zh,
                "11月26日 周四 20:00–24:00",
            ),
            // Two days on names the day, midnight or not.
            (
                (26, 20, 0),
                (28, 0, 0),
                Lang::En,
                "Thu 26 Nov 20:00–Sat 28 Nov 00:00",
            ),
        ] {
            assert_eq!(slot(at(start), at(end), lang), said);
        }
        // Under a heading that names the day, the times alone.
        assert_eq!(
            times(at((26, 22, 0)), at((27, 1, 0)), Lang::Zh),
            "22:00–11月27日 周五 01:00"
        );
        assert_eq!(
            times(at((26, 9, 30)), at((26, 10, 30)), Lang::En),
            "09:30–10:30"
        );
    }

    #[test]
    fn a_party_reads_in_the_singular_and_the_plural() {
        assert_eq!(party(1, 0, Lang::En), "1 adult");
        assert_eq!(party(2, 1, Lang::En), "2 adults · 1 child");
        assert_eq!(party(1, 3, Lang::En), "1 adult · 3 children");
        assert_eq!(party(2, 1, Lang::Zh), "2 成人 · 1 儿童");
        assert_eq!(party(1, 0, Lang::Zh), "1 成人");
    }
}
