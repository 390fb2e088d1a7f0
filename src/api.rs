//! The citizen app's typed calls to `/api/v1` (and the staff calls the console shares with
//! it: sign-in, roster and check-in, summary, samples), written on `crate::http`, the one
//! place the front end talks HTTP. The console's own calls are `crate::staff::api`.

use crate::http::{self, get, href, post, post_action, post_brief, post_empty};
use crate::{offline, store};
use chrono::{NaiveDate, NaiveDateTime};
use labday_domain::booking::{BookingLookup, RescheduleRequest};
use labday_domain::figures::Summary;
use labday_domain::privacy::PrivacyNotice;
use labday_domain::sample::{
    Judgement, SampleBoard, SampleCode, SampleErasure, SampleLookup, SampleRegistration,
    SampleStatus, SampleTest, SampleView, TestEntry, VarietyName,
};
use labday_domain::schedule::{GeneratedSessions, SessionDraft, SessionSeries};
use labday_domain::staff::{CheckIn, CheckInResult, NoShows, RosterEntry, SignIn, StaffView};
use labday_domain::{
    ActivityDetail, ActivityFilter, ActivitySummary, ApiError, BookingReceipt, BookingRequest,
    BookingStatus, BookingView, ErrorCode, Localised, Phone, SessionFormat, SessionStatus,
    SessionView, WindowState,
};

fn query_string(filter: &ActivityFilter) -> String {
    let mut parts = Vec::new();
    if let Some(c) = filter.category {
        parts.push(format!("category={}", c.as_str()));
    }
    if let Some(c) = filter.city.as_deref().filter(|c| !c.is_empty()) {
        parts.push(format!("city={}", js_sys::encode_uri_component(c)));
    }
    if let Some(d) = filter.date {
        parts.push(format!("date={d}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

pub async fn list_activities(filter: &ActivityFilter) -> Result<Vec<ActivitySummary>, ApiError> {
    get(&format!("/activities{}", query_string(filter))).await
}

pub async fn activity(id: i64) -> Result<ActivityDetail, ApiError> {
    get(&format!("/activities/{id}")).await
}

/// How long names, phones and phone hashes are kept: the privacy notice's numbers.
pub async fn privacy() -> Result<PrivacyNotice, ApiError> {
    get("/privacy").await
}

pub async fn session(id: i64) -> Result<SessionView, ApiError> {
    get(&format!("/sessions/{id}")).await
}

/// What the sample form shows of its session, read from the same answer as [`session`]:
/// the places, windows and deadlines only the booking form reads are left unread, so their
/// reader stays out of the samples bundle (as [`SampleSheet`] does for `SampleView`).
#[derive(Clone, serde::Deserialize)]
pub struct SessionSheet {
    pub id: i64,
    pub activity_id: i64,
    pub activity_title: Localised,
    pub format: SessionFormat,
    pub title: Localised,
    #[serde(with = "labday_domain::time::wire::venue_datetime")]
    pub starts_at: NaiveDateTime,
    #[serde(with = "labday_domain::time::wire::venue_datetime")]
    pub ends_at: NaiveDateTime,
    pub place: Localised,
    #[serde(default)]
    pub held_at: Option<Localised>,
    pub status: SessionStatus,
    /// From when it takes samples (until `ends_at`), in venue time.
    #[serde(with = "labday_domain::time::wire::venue_datetime")]
    pub booking_opens_at: NaiveDateTime,
    /// `not_yet_open` until then, by the server's clock.
    pub window: WindowState,
    pub utc_offset_minutes: i32,
}

pub async fn session_sheet(id: i64) -> Result<SessionSheet, ApiError> {
    get(&format!("/sessions/{id}")).await
}

/// Books; retries with the same `idempotency_key` never book twice. The answer is the
/// receipt (`Prefer: return=minimal`): the booking page reads the rest by code and phone.
pub async fn book(
    request: &BookingRequest,
    idempotency_key: &str,
) -> Result<BookingReceipt, ApiError> {
    post_brief("/bookings", request, Some(idempotency_key)).await
}

fn booking_lookup(code: &str, phone: &str) -> BookingLookup {
    BookingLookup {
        code: code.into(),
        phone: phone.into(),
    }
}

/// A booking by its code and phone; with no network, its copy on this device (`offline`).
pub async fn find_booking(code: &str, phone: &str) -> Result<BookingView, ApiError> {
    let copy = offline::copy_of(code, phone);
    let found: BookingView = offline::lookup(offline::BOOKING, &copy, &booking_lookup(code, phone))
        .await
        .inspect_err(|e| {
            // The number this device kept for the code no longer finds it: the booking was
            // erased (by the retention run, or on another device), so its number goes too.
            let kept = store::phone_for(code);
            if e.code == ErrorCode::NotFound && kept.is_some_and(|k| same_phone(&k, phone)) {
                store::forget_booking(code);
            }
        })?;
    if found.status == BookingStatus::Cancelled {
        // A cancelled booking is no ticket: its copies go, however it was cancelled.
        store::forget_copies(offline::BOOKING, code);
    }
    Ok(found)
}

/// Cancels a booking; its copies on this device go with it.
pub async fn cancel_booking(code: &str, phone: &str) -> Result<BookingView, ApiError> {
    let cancelled = post("/bookings/cancel", &booking_lookup(code, phone), None).await?;
    store::forget_copies(offline::BOOKING, code);
    Ok(cancelled)
}

/// Erases a booking's name and number on the server, then every trace of it on this device
/// (its copy and its place in "my bookings"). A booking already erased (an answer lost on
/// the way, then sent again) no longer matches its code and phone: that is done too.
pub async fn erase_booking(code: &str, phone: &str) -> Result<(), ApiError> {
    // The answer says only the code back: nothing to read.
    let erased = http::post_text("/bookings/erase", &booking_lookup(code, phone), None).await;
    match erased {
        Ok(_) => {}
        Err(e) if e.code == ErrorCode::NotFound => {}
        Err(e) => return Err(e),
    }
    store::forget_copies(offline::BOOKING, code);
    store::forget_booking(code);
    Ok(())
}

/// Moves a booking to another session of the same activity, only into a free place (the
/// holder is offered sessions with room; a session filled meanwhile answers `session_full`).
pub async fn reschedule_booking(
    code: &str,
    phone: &str,
    session_id: i64,
) -> Result<BookingView, ApiError> {
    let request = RescheduleRequest {
        code: code.into(),
        phone: phone.into(),
        session_id,
        accept_waiting: false,
    };
    let copy = offline::copy_of(code, phone);
    offline::fresh(offline::BOOKING, &copy, "/bookings/reschedule", &request).await
}

/// An activity's sessions alone, read from its page's answer: moving a booking needs
/// nothing else of the activity, and reading only this field keeps the rest of
/// `ActivityDetail`'s reader out of the booking bundle.
#[derive(serde::Deserialize)]
struct ActivitySessions {
    sessions: Vec<SessionView>,
}

pub async fn activity_sessions(id: i64) -> Result<Vec<SessionView>, ApiError> {
    let found: ActivitySessions = get(&format!("/activities/{id}")).await?;
    Ok(found.sessions)
}

/// The address of an activity's subscribable calendar, in `lang`.
pub fn activity_calendar_href(activity_id: i64, lang: &str) -> String {
    href(&format!(
        "/activities/{activity_id}/calendar.ics?lang={lang}"
    ))
}

// Staff console. The session cookie is HttpOnly and same-origin, so the browser sends it.

pub async fn staff_sign_in(username: &str, password: &str) -> Result<StaffView, ApiError> {
    let body = SignIn {
        username: username.into(),
        password: password.into(),
    };
    post("/staff/sign-in", &body, None).await
}

pub async fn staff_me() -> Result<StaffView, ApiError> {
    get("/staff/me").await
}

pub async fn staff_sign_out() -> Result<(), ApiError> {
    post_empty("/staff/sign-out").await
}

pub async fn roster(session_id: i64) -> Result<Vec<RosterEntry>, ApiError> {
    get(&format!("/staff/sessions/{session_id}/roster")).await
}

/// The CSV download's address (a plain link: the browser saves the file).
pub fn roster_csv_href(session_id: i64) -> String {
    href(&format!("/staff/sessions/{session_id}/roster.csv"))
}

pub async fn check_in(
    session_id: i64,
    code: &str,
    people: Option<u32>,
) -> Result<CheckInResult, ApiError> {
    let body = CheckIn {
        session_id,
        code: code.into(),
        people,
        offline_at: None,
    };
    http::post_at_door("/staff/check-in", &body).await
}

pub async fn mark_no_shows(session_id: i64) -> Result<NoShows, ApiError> {
    post_action(&format!("/staff/sessions/{session_id}/no-shows")).await
}

pub async fn summary() -> Result<Summary, ApiError> {
    get("/staff/summary").await
}

pub const SUMMARY_CSV_HREF: &str = "/api/v1/staff/summary.csv";

/// The sessions a series would make, without making them.
pub async fn preview_series(
    activity_id: i64,
    series: &SessionSeries,
) -> Result<Vec<SessionDraft>, ApiError> {
    post(
        &format!("/staff/activities/{activity_id}/sessions/preview"),
        series,
        None,
    )
    .await
}

/// Makes every session of a series, all or none.
pub async fn generate_series(
    activity_id: i64,
    series: &SessionSeries,
) -> Result<GeneratedSessions, ApiError> {
    post(
        &format!("/staff/activities/{activity_id}/sessions/generate"),
        series,
        None,
    )
    .await
}

// Vegetable samples for pesticide quick tests.

/// A sample as its holder's pages show it (its label, its result), read from the server's
/// `SampleView`: what only staff views fill or read (the holder, walk-in, reception and
/// registration times, the session's id, the variety's false-positive flag) is left
/// unread, so its reader stays out of the samples bundle. The tests are read whole: the
/// list of them is the console's too.
#[derive(Clone, serde::Deserialize)]
pub struct SampleSheet {
    pub code: SampleCode,
    pub session_title: Localised,
    pub organisation: Localised,
    pub place: Localised,
    #[serde(default)]
    pub held_at: Option<Localised>,
    #[serde(with = "labday_domain::time::wire::venue_datetime")]
    pub session_starts_at: NaiveDateTime,
    pub variety: VarietyName,
    pub bought_at: String,
    #[serde(with = "labday_domain::time::wire::venue_date")]
    pub bought_on: NaiveDate,
    pub phone_masked: String,
    pub status: SampleStatus,
    pub tests: Vec<SampleTest>,
    pub judgement: Option<Judgement>,
    pub retests_needed: u32,
    #[serde(default)]
    pub can_erase: bool,
}

/// Registers samples; retries with the same `idempotency_key` never register twice. Each
/// sample's answer is kept on this device as it came, so its label opens offline before
/// any lookup (`offline`).
pub async fn register_samples(
    registration: &SampleRegistration,
    idempotency_key: &str,
) -> Result<Vec<SampleSheet>, ApiError> {
    let text = http::post_text("/samples", registration, Some(idempotency_key)).await?;
    let samples: Vec<SampleSheet> = http::parse(&text)?;
    let kept = crate::json::elements(&text).unwrap_or_default();
    let last4 = labday_domain::Phone::parse(&registration.phone)
        .map(|p| p.last4().to_owned())
        .unwrap_or_default();
    for (sample, text) in samples.iter().zip(kept) {
        let copy = offline::copy_of(sample.code.as_str(), &last4);
        offline::keep(offline::SAMPLE, &copy, text);
    }
    Ok(samples)
}

/// A sample as its holder sees it, by code and the phone's last four digits; with no
/// network, its copy on this device (`offline`).
pub async fn find_sample(code: &str, phone_last4: &str) -> Result<SampleSheet, ApiError> {
    sample_by_code(code, phone_last4).await
}

async fn sample_by_code<T: serde::de::DeserializeOwned>(
    code: &str,
    phone_last4: &str,
) -> Result<T, ApiError> {
    let lookup = SampleLookup {
        code: code.into(),
        phone_last4: phone_last4.into(),
    };
    offline::lookup(
        offline::SAMPLE,
        &offline::copy_of(code, phone_last4),
        &lookup,
    )
    .await
    .inspect_err(|e| {
        // As for a booking: the digits this device kept no longer find the sample.
        let kept = store::last4_for(code);
        if e.code == ErrorCode::NotFound && kept.as_deref() == Some(phone_last4) {
            store::forget_sample(code);
        }
    })
}

/// Whether two typed numbers are one phone (`138 0013 8000`, `+86 13800138000`).
fn same_phone(a: &str, b: &str) -> bool {
    matches!((Phone::parse(a), Phone::parse(b)), (Ok(a), Ok(b)) if a == b)
}

/// Erases a sample's name and number on the server (by its code and the whole number),
/// then every trace of it on this device (its copy and its place in "my bookings"). No
/// match is a mistyped number or a sample erased already (an answer lost, then sent again):
/// the lookup by the last four digits tells which.
pub async fn erase_sample(code: &str, phone: &str, phone_last4: &str) -> Result<(), ApiError> {
    let erasure = SampleErasure {
        code: code.into(),
        phone: phone.into(),
    };
    match http::post_text("/samples/erase", &erasure, None).await {
        Ok(_) => {}
        // Only a lookup that finds nothing either says it is gone; any other answer (found,
        // throttled, offline) leaves it a number that did not match.
        Err(e) if e.code == ErrorCode::NotFound => {
            match sample_by_code::<SampleSheet>(code, phone_last4).await {
                Err(gone) if gone.code == ErrorCode::NotFound => {}
                _ => return Err(e),
            }
        }
        Err(e) => return Err(e),
    }
    store::forget_copies(offline::SAMPLE, code);
    store::forget_sample(code);
    Ok(())
}

/// What a sample's card in "my bookings" shows, read from the lookup's answer (a
/// `SampleView`): reading only these fields keeps the rest of `SampleView`'s reader (tests,
/// methods, readings) out of the booking bundle.
#[derive(Clone, serde::Deserialize)]
pub struct SampleCard {
    pub code: SampleCode,
    pub session_title: Localised,
    #[serde(with = "labday_domain::time::wire::venue_datetime")]
    pub session_starts_at: NaiveDateTime,
    pub variety: VarietyName,
    pub status: SampleStatus,
    pub judgement: Option<Judgement>,
}

/// A sample found by its code and the last four digits of its phone, as its card shows it.
pub async fn find_sample_card(code: &str, phone_last4: &str) -> Result<SampleCard, ApiError> {
    sample_by_code(code, phone_last4).await
}

/// The public results board of an activity (all its quick-test sessions). The server also
/// answers one session's board (`/sessions/{id}/samples/board`) for portals.
pub async fn activity_board(activity_id: i64) -> Result<SampleBoard, ApiError> {
    get(&format!("/activities/{activity_id}/samples/board")).await
}

/// Staff: every sample registered on a session, with holders and full test history.
pub async fn session_samples(session_id: i64) -> Result<Vec<SampleView>, ApiError> {
    get(&format!("/staff/sessions/{session_id}/samples")).await
}

/// Staff: one sample by code (a scanned label).
pub async fn staff_sample(code: &str) -> Result<SampleView, ApiError> {
    get(&format!(
        "/staff/samples/{}",
        js_sys::encode_uri_component(code)
    ))
    .await
}

/// Staff: the sample was handed in at this session's test point.
pub async fn receive_sample(session_id: i64, code: &str) -> Result<SampleView, ApiError> {
    post(
        &format!(
            "/staff/samples/{}/receive",
            js_sys::encode_uri_component(code)
        ),
        &serde_json::json!({ "session_id": session_id }),
        None,
    )
    .await
}

/// Staff: records a test (or corrects an earlier one).
pub async fn record_test(code: &str, entry: &TestEntry) -> Result<SampleView, ApiError> {
    post(
        &format!(
            "/staff/samples/{}/tests",
            js_sys::encode_uri_component(code)
        ),
        entry,
        None,
    )
    .await
}

// Verified phones (`--verify-phones`).

/// Texts a code to `phone`, in `lang`.
pub async fn request_phone_code(
    phone: &str,
    lang: labday_domain::message::Lang,
) -> Result<labday_domain::phone_code::CodeSent, ApiError> {
    let request = labday_domain::phone_code::CodeRequest {
        phone: phone.into(),
        lang,
    };
    post("/phone-codes", &request, None).await
}

/// Exchanges the code sent to `phone` for a token that verifies it for a while.
pub async fn check_phone_code(
    phone: &str,
    code: &str,
) -> Result<labday_domain::phone_code::PhoneToken, ApiError> {
    let check = labday_domain::phone_code::CodeCheck {
        phone: phone.into(),
        code: code.into(),
    };
    post("/phone-codes/check", &check, None).await
}

/// What "find by phone" lists, read from the server's `PhoneHoldings`: its samples as
/// cards, so the full sample reader stays out of the booking bundle (see [`SampleCard`]).
#[derive(Clone, serde::Deserialize)]
pub struct Holdings {
    pub phone_masked: String,
    pub bookings: Vec<BookingView>,
    pub samples: Vec<SampleCard>,
}

/// Every booking and sample of a verified phone.
pub async fn phone_holdings(phone: &str, phone_token: &str) -> Result<Holdings, ApiError> {
    let find = labday_domain::phone_code::PhoneFind {
        phone: phone.into(),
        phone_token: phone_token.into(),
    };
    post("/phone-codes/holdings", &find, None).await
}

#[cfg(test)]
mod tests {
    use super::SampleSheet;
    use chrono::{NaiveDate, NaiveDateTime};
    use labday_domain::sample::{
        Judgement, Method, SampleHolder, SampleStatus, SampleTest, SampleView, VarietyName,
    };
    use labday_domain::{BookingCode, Localised};

    /// `day` November 2026 at `hour`:`minute`.
    fn at(day: u32, hour: u32, minute: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(hour, minute, 0))
            .unwrap()
    }

    /// A holder's sheet reads the server's whole `SampleView` (a staff view here, with every
    /// field filled), skipping what it leaves unread.
    #[test]
    fn a_sample_sheet_reads_the_sample_view_the_server_sends() {
        let test = SampleTest {
            id: 7,
            method: Method::EnzymeInhibition,
            inhibition_pct: Some(45.3),
            pesticide: None,
            strip: None,
            judgement: Judgement::Suspicious,
            tested_at: at(26, 10, 5),
            tester: Some("王工".into()),
            corrects: None,
            superseded: false,
        };
        let view = SampleView {
            code: BookingCode::parse("K7QM4XPB").unwrap(),
            session_id: 3,
            session_title: Localised::new("上午场", "Morning"),
            activity_title: Localised::new("蔬菜快检", "Quick tests"),
            organisation: Localised::new("检测中心", "Test centre"),
            place: Localised::new("一楼大厅", "Ground-floor hall"),
            held_at: Some(Localised::new("八一菜场", "")),
            session_starts_at: at(26, 9, 30),
            variety: VarietyName::of("spinach", ""),
            enzyme_false_positive: false,
            bought_at: "八一菜场".into(),
            bought_on: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            phone_masked: "138****5678".into(),
            status: SampleStatus::Testing,
            registered_at: at(24, 20, 0),
            received_at: Some(at(26, 9, 40)),
            tests: vec![test.clone()],
            judgement: None,
            retests_needed: 2,
            holder: Some(SampleHolder {
                name: "李华".into(),
                phone: "13800005678".into(),
                masked: false,
            }),
            can_erase: false,
            walk_in: true,
        };
        let text = serde_json::to_string(&view).unwrap();
        let sheet: SampleSheet = crate::json::from_str(&text).unwrap();
        assert_eq!(sheet.code, view.code);
        assert_eq!(sheet.session_title, view.session_title);
        assert_eq!(sheet.organisation, view.organisation);
        assert_eq!(sheet.place, view.place);
        assert_eq!(sheet.held_at, view.held_at);
        assert_eq!(sheet.session_starts_at, view.session_starts_at);
        assert_eq!(sheet.variety, view.variety);
        assert_eq!(sheet.bought_at, view.bought_at);
        assert_eq!(sheet.bought_on, view.bought_on);
        assert_eq!(sheet.phone_masked, view.phone_masked);
        assert_eq!(sheet.status, view.status);
        assert_eq!(sheet.tests, vec![test]);
        assert_eq!(sheet.judgement, view.judgement);
        assert_eq!(sheet.retests_needed, view.retests_needed);
        let list: Vec<SampleSheet> = crate::json::from_str(&format!("[{text}]")).unwrap();
        assert_eq!(list.len(), 1);
    }

    /// The sample form's session sheet reads a whole session as the server sends it.
    #[test]
    fn a_session_sheet_reads_the_session_view_the_server_sends() {
        let text = r#"{"id":7,"activity_id":3,"activity_title":{"zh":"蔬菜快检","en":"Quick tests"},
            "format":"quick_test","title":{"zh":"上午场","en":"Morning"},
            "starts_at":"2026-11-26T09:30:00","ends_at":"2026-11-26T11:00:00",
            "place":{"zh":"快检台","en":"Test desk"},"held_at":{"zh":"八一菜场","en":""},
            "capacity":40,"booked":2,"places_left":38,"reserved_places":0,"walk_ins":0,
            "availability":"open","per_booking_limit":3,"booking_opens_at":"2026-11-20T00:00:00",
            "booking_closes_at":"2026-11-26T08:30:00","cancel_deadline":"2026-11-26T07:30:00",
            "window":"open","status":"scheduled","waiting":0,"utc_offset_minutes":480}"#;
        let view: labday_domain::SessionView = crate::json::from_str(text).unwrap();
        let sheet: super::SessionSheet = crate::json::from_str(text).unwrap();
        assert_eq!((sheet.id, sheet.activity_id), (view.id, view.activity_id));
        assert_eq!(sheet.activity_title, view.activity_title);
        assert_eq!((sheet.format, sheet.status), (view.format, view.status));
        assert_eq!(sheet.title, view.title);
        assert_eq!(
            (sheet.starts_at, sheet.ends_at),
            (view.starts_at, view.ends_at)
        );
        assert_eq!((&sheet.place, &sheet.held_at), (&view.place, &view.held_at));
        assert_eq!(sheet.held_at, Some(Localised::new("八一菜场", "")));
    }
}
