//! The organiser's figures, as JSON for the console's tables and chart and as CSV for the
//! written summary. Organisers see every organisation (or one, when asked); lab staff only
//! their own (403 when they ask for another).

use crate::auth::SignedIn;
use crate::csv::{self, Cell, Csv};
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::routes::staff_catalogue::ScopeQuery;
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use labday_domain::figures::{summarise, Figures, Summary};
use labday_domain::ApiError;

async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    query: ScopeQuery,
) -> Result<Summary, AppError> {
    let scope = signed_in.scope(query.organisation_id)?;
    let mut tallies = state.storage.tallies(scope).await?;
    tallies.samples = state.storage.activity_sample_tallies(scope).await?;
    Ok(summarise(&tallies))
}

/// Sessions, places, bookings, attendance, waiting list, cloud-classroom seats, bookings per
/// day and quick-test samples with their judgements: per activity, per organisation and
/// overall.
#[utoipa::path(
    get,
    path = "/api/v1/staff/summary",
    params(ScopeQuery),
    responses(
        (status = 200, body = Summary),
        (status = 403, body = ApiError, description = "Lab staff asking for another organisation")
    )
)]
pub async fn summary(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppQuery(query): AppQuery<ScopeQuery>,
) -> Result<Json<Summary>, AppError> {
    Ok(Json(load(&state, &signed_in, query).await?))
}

fn figures_row(csv: &mut Csv, scope: &str, id: Option<i64>, name: &str, f: &Figures) {
    let id = id.map(|i| i.to_string()).unwrap_or_default();
    let rate = f
        .no_show_rate
        .map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_default();
    csv.row([
        Cell::Text(scope),
        Cell::Text(&id),
        Cell::Text(name),
        f.sessions.into(),
        f.cancelled_sessions.into(),
        f.places_offered.into(),
        f.booked_people.into(),
        f.checked_in_people.into(),
        f.no_show_people.into(),
        Cell::Text(&rate),
        f.waitlisted_people.into(),
        f.cloud_classroom_seats.into(),
        f.samples.registered.into(),
        f.samples.tested.into(),
        f.samples.negative.into(),
        f.samples.suspicious.into(),
        f.samples.positive.into(),
        f.walk_in_people.into(),
    ]);
}

/// The summary as CSV (see [`crate::csv`]): one line overall, one per organisation, one
/// per activity, then bookings per day. Titles are staff-typed text and are neutralised
/// like any other.
pub fn summary_csv(s: &Summary) -> String {
    let mut csv = Csv::with_header(&[
        "范围 scope",
        "编号 id",
        "名称 name",
        "场次 sessions",
        "取消场次 cancelled sessions",
        "提供名额 places offered",
        "预约人数 booked people",
        "签到人数 checked-in people",
        "未到人数 no-show people",
        "未到率 no-show rate",
        "候补人数 waitlisted people",
        "云课堂座位 cloud-classroom seats",
        "快检样品 samples registered",
        "已出结果 samples tested",
        "阴性 negative",
        "可疑 suspicious",
        "阳性 positive",
        "现场预约人数 walk-in people",
    ]);
    figures_row(&mut csv, "overall", None, "全部 All", &s.overall);
    let organisations = s.organisations.iter().map(|o| {
        (
            "organisation",
            o.organisation_id,
            o.name.get("zh"),
            &o.figures,
        )
    });
    let activities = s
        .activities
        .iter()
        .map(|a| ("activity", a.activity_id, a.title.get("zh"), &a.figures));
    for (scope, id, name, figures) in organisations.chain(activities) {
        figures_row(&mut csv, scope, Some(id), name, figures);
    }
    csv.blank_line();
    csv.row([
        Cell::Text("日期 day"),
        Cell::Text("预约数 bookings"),
        Cell::Text("人数 people"),
    ]);
    for d in &s.overall.bookings_per_day {
        let day = d.day.to_string();
        csv.row([Cell::Text(&day), d.bookings.into(), d.people.into()]);
    }
    csv.finish()
}

/// The summary as a CSV download.
#[utoipa::path(
    get,
    path = "/api/v1/staff/summary.csv",
    params(ScopeQuery),
    responses((status = 200, content_type = "text/csv"))
)]
pub async fn summary_export(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppQuery(query): AppQuery<ScopeQuery>,
) -> Result<Response, AppError> {
    let csv = summary_csv(&load(&state, &signed_in, query).await?);
    Ok(csv::download(csv, "labday-summary.csv"))
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/summary", get(summary))
        .route("/staff/summary.csv", get(summary_export))
}

#[cfg(test)]
mod tests {
    use super::*;
    use labday_domain::figures::{ActivityName, DayTally, SessionTally, Tallies};
    use labday_domain::{Localised, SessionFormat};

    #[test]
    fn csv_has_a_bom_a_line_per_scope_and_the_days() {
        let s = summarise(&Tallies {
            activities: vec![ActivityName {
                id: 4,
                organisation_id: 2,
                title: Localised::new("开放日, 上午", "Open day"),
                organisation: Localised::new("", "Test lab"),
            }],
            sessions: vec![SessionTally {
                activity_id: 4,
                format: SessionFormat::Visit,
                cancelled: false,
                capacity: 10,
                booked_people: 8,
                checked_in_people: 6,
                no_show_people: 2,
                waitlisted_people: 1,
                walk_in_people: 2,
            }],
            days: vec![DayTally {
                activity_id: 4,
                day: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
                bookings: 3,
                people: 8,
            }],
            samples: Vec::new(),
        });
        let csv = summary_csv(&s);
        assert!(csv.starts_with('\u{feff}'));
        assert!(
            csv.contains("overall,,全部 All,1,0,10,8,6,2,25.0%,1,0,0,0,0,0,0,2\r\n"),
            "{csv}"
        );
        assert!(csv.contains("organisation,2,Test lab,1,"), "{csv}");
        assert!(csv.contains("activity,4,\"开放日, 上午\",1,"), "{csv}");
        assert!(csv.ends_with("2026-09-01,3,8\r\n"), "{csv}");
    }

    #[test]
    fn a_title_typed_as_a_formula_is_text_in_the_csv() {
        let s = summarise(&Tallies {
            activities: vec![ActivityName {
                id: 4,
                organisation_id: 2,
                title: Localised::new("=cmd|' /C calc'!A0", "x"),
                organisation: Localised::new("@SUM(1)", "Test lab"),
            }],
            sessions: Vec::new(),
            days: Vec::new(),
            samples: Vec::new(),
        });
        let csv = summary_csv(&s);
        assert!(csv.contains("activity,4,'=cmd|' /C calc'!A0,"), "{csv}");
        assert!(csv.contains("organisation,2,'@SUM(1),"), "{csv}");
    }
}
