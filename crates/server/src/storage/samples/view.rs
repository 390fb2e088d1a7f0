//! Sample rows as both databases return them, and the views made of them.

use crate::storage::columns::{Column, Name, Named};
use crate::storage::rows::{stored_code, stored_phone};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use labday_domain::activity::Localised;
use labday_domain::sample::{
    self, Judgement, Method, Reading, SampleHolder, SampleStatus, SampleTally, SampleTest,
    SampleView, StripReading, VarietyName,
};
use labday_domain::{Phone, SessionFormat, SessionStatus};
use sqlx::error::BoxDynError;

/// What registration checks of a session: format, status, booking opening, start, end, and the
/// venue's UTC offset in minutes.
pub(super) type SessionForRegistration = (
    Name<SessionFormat>,
    Name<SessionStatus>,
    NaiveDateTime,
    NaiveDateTime,
    NaiveDateTime,
    i64,
);

/// `(id, session_id, received_at, erased_at)` of a sample about to change.
pub(super) type SampleForChange = (i64, i64, Option<NaiveDateTime>, Option<NaiveDateTime>);

/// `(sample id, activity id, variety, received: 0 or 1)`.
pub(super) type TallySampleRow = (i64, i64, String, i64);

from_row! {
    pub(super) struct SampleRow {
        pub(super) id: i64,
        pub(super) session_id: i64,
        pub(super) code: String,
        pub(super) variety: String,
        pub(super) variety_other: String,
        pub(super) bought_at: String,
        pub(super) bought_on: NaiveDate,
        pub(super) name: Option<String>,
        pub(super) phone: Option<String>,
        pub(super) registered_at: NaiveDateTime,
        pub(super) received_at: Option<NaiveDateTime>,
        pub(super) walk_in: bool,
        pub(super) title: Localised,
        pub(super) place: Localised,
        pub(super) held_at: Localised,
        pub(super) starts_at: NaiveDateTime,
        pub(super) activity_title: Localised,
        pub(super) org_name: Localised,
        pub(super) erased_at: Option<NaiveDateTime>,
        pub(super) ends_at: NaiveDateTime,
        pub(super) utc_offset_minutes: i64,
        // A sample never handed in to a cancelled session will not be tested.
        pub(super) session_status: SessionStatus,
    }
}

from_row! {
    pub(super) struct TestRow {
        pub(super) id: i64,
        pub(super) sample_id: i64,
        pub(super) method: Method,
        pub(super) inhibition_tenths: Option<i64>,
        pub(super) pesticide: Option<String>,
        pub(super) strip: Option<StripReading>,
        pub(super) judgement: Judgement,
        pub(super) tested_at: NaiveDateTime,
        pub(super) corrects: Option<i64>,
        pub(super) superseded_by: Option<i64>,
        pub(super) tester: String,
    }
}

/// How a strip reading is stored, both ways.
const STRIP_NAMES: [(StripReading, &str); 2] = [
    (StripReading::Negative, "negative"),
    (StripReading::Positive, "positive"),
];

fn strip_name(reading: StripReading) -> &'static str {
    STRIP_NAMES
        .iter()
        .find(|(r, _)| *r == reading)
        .map_or("", |(_, name)| name)
}

/// An unknown strip reading fails the row, like every other stored name.
impl Named for StripReading {
    fn parse_name(name: &str) -> Option<Self> {
        STRIP_NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(r, _)| *r)
    }
}

impl Column for Option<StripReading> {
    type Wire = Option<Name<StripReading>>;
    fn from_wire(wire: Self::Wire) -> Result<Self, BoxDynError> {
        Ok(wire.map(|name| name.0))
    }
}

/// How a reading is stored: `(method, inhibition_tenths, pesticide, strip)`.
pub(super) fn reading_columns(
    reading: &Reading,
) -> (
    &'static str,
    Option<i64>,
    Option<String>,
    Option<&'static str>,
) {
    match reading {
        Reading::Enzyme { inhibition_tenths } => (
            Method::EnzymeInhibition.as_str(),
            Some(i64::from(*inhibition_tenths)),
            None,
            None,
        ),
        Reading::Strip { pesticide, reading } => (
            Method::ColloidalGold.as_str(),
            None,
            Some(pesticide.clone()),
            Some(strip_name(*reading)),
        ),
    }
}

/// Who looks at a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Viewer {
    /// The holder, by code and phone digits, at this moment (whether they may erase it
    /// depends on it): current tests only, nobody's names.
    Holder(DateTime<Utc>),
    /// Staff: the holder's name and phone (masked at the edge for staff reaching the
    /// session from above: `extract::Authorised::disclose`), testers, and corrected tests
    /// too.
    Staff,
}

fn test_view(t: &TestRow, viewer: Viewer) -> SampleTest {
    let staff = viewer == Viewer::Staff;
    SampleTest {
        id: t.id,
        method: t.method,
        inhibition_pct: t.inhibition_tenths.map(|v| v as f64 / 10.0),
        pesticide: t.pesticide.clone(),
        strip: t.strip,
        judgement: t.judgement,
        tested_at: t.tested_at,
        tester: staff.then(|| t.tester.clone()),
        corrects: if staff { t.corrects } else { None },
        superseded: t.superseded_by.is_some(),
    }
}

/// A sample as `viewer` sees it, from its row and its tests in order.
pub(super) fn sample_view(row: &SampleRow, tests: &[TestRow], viewer: Viewer) -> SampleView {
    let variety = VarietyName::of(&row.variety, &row.variety_other);
    let phone = stored_phone(row.phone.as_deref());
    let mut view = SampleView {
        code: stored_code(&row.code),
        session_id: row.session_id,
        session_title: row.title.clone(),
        activity_title: row.activity_title.clone(),
        organisation: row.org_name.clone(),
        place: row.place.clone(),
        held_at: (!row.held_at.zh.is_empty()).then(|| row.held_at.clone()),
        session_starts_at: row.starts_at,
        enzyme_false_positive: variety.enzyme_false_positive(),
        variety,
        bought_at: row.bought_at.clone(),
        bought_on: row.bought_on,
        phone_masked: phone.as_ref().map(Phone::masked).unwrap_or_default(),
        status: SampleStatus::Registered,
        registered_at: row.registered_at,
        received_at: row.received_at,
        tests: tests
            .iter()
            .filter(|t| t.sample_id == row.id)
            .filter(|t| viewer == Viewer::Staff || t.superseded_by.is_none())
            .map(|t| test_view(t, viewer))
            .collect(),
        judgement: None,
        retests_needed: 0,
        holder: (viewer == Viewer::Staff && row.erased_at.is_none()).then(|| SampleHolder {
            name: row.name.clone().unwrap_or_default(),
            phone: phone.map(|p| p.as_str().to_owned()).unwrap_or_default(),
            masked: false,
        }),
        can_erase: false,
        walk_in: row.walk_in,
    };
    view.settle(row.session_status == SessionStatus::Cancelled);
    if let Viewer::Holder(now) = viewer {
        let now = labday_domain::time::venue_local(now, row.utc_offset_minutes as i32);
        view.can_erase = sample::may_erase(view.status, now, row.ends_at).is_ok();
    }
    view
}

/// Whether the phone digits a holder typed belong to this sample's phone.
pub(super) fn phone_matches(row: &SampleRow, last4: &str) -> bool {
    stored_phone(row.phone.as_deref()).is_some_and(|p| p.last4() == last4)
}

/// Joins sample rows with their current tests' judgements into board tallies, keyed by
/// activity.
pub(super) fn tallies(
    samples: Vec<TallySampleRow>,
    tests: &[(i64, Name<Judgement>)],
) -> Vec<(i64, SampleTally)> {
    samples
        .into_iter()
        .map(|(id, activity, variety, received)| {
            let tests = tests
                .iter()
                .filter(|(sample, _)| *sample == id)
                .map(|(_, judgement)| judgement.0)
                .collect();
            (
                activity,
                SampleTally {
                    variety,
                    received: received != 0,
                    tests,
                },
            )
        })
        .collect()
}
