//! The organiser's figures, as JSON for the console's tables and chart and as CSV for the
//! written summary, and the Quality Month report rolled up the organisation tree, as JSON
//! and as the Word document bureaus file. Organisers see their reach (or one organisation
//! in it, when asked; 403 outside it); lab staff only their own (403 when they ask for
//! another).

use crate::auth::{self, SignedIn};
use crate::csv::{self, Cell, Csv};
use crate::error::AppError;
use crate::extract::AppQuery;
use crate::quality_report::{
    both_names, report_docx, unit_numbers, ReportPhoto, UNIT_NUMBER_COLUMNS,
};
use crate::routes::staff_catalogue::ScopeQuery;
use crate::routes::FieldErrors;
use crate::state::AppState;
use crate::writes::audit;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Datelike;
use labday_domain::figures::{summarise, Figures, Summary};
use labday_domain::media::MediaItem;
use labday_domain::photo::PhotoItem;
use labday_domain::report::{quality_report, QualityReport, ReportInput};
use labday_domain::staff::AuditAction;
use labday_domain::{ApiError, ErrorCode, FieldCode};
use serde::Deserialize;

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

/// Whose report, and for which year's Quality Month.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// One organisation and everything under it (within the caller's reach).
    pub organisation_id: Option<i64>,
    /// The event's year (2000–2100); this year when absent. The report counts the
    /// activities whose first day falls in it, with their media items and photos.
    pub year: Option<i32>,
}

impl ReportQuery {
    fn scope(&self) -> ScopeQuery {
        ScopeQuery {
            organisation_id: self.organisation_id,
        }
    }
}

/// Years a report may be asked for.
const REPORT_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// The report with the media items and photos it counts.
struct Report {
    report: QualityReport,
    media: Vec<MediaItem>,
    photos: Vec<PhotoItem>,
}

async fn load_report(
    state: &AppState,
    signed_in: &SignedIn,
    query: &ReportQuery,
) -> Result<Report, AppError> {
    let today = auth::now_local().date();
    let year = query.year.unwrap_or(today.year());
    if !REPORT_YEARS.contains(&year) {
        return Err(AppError(
            ApiError::new(ErrorCode::Invalid, "No report for that year")
                .with_field("year", FieldCode::Invalid),
        ));
    }
    let scope = signed_in.scope(query.organisation_id)?;
    let storage = &state.storage;
    let units = storage.organisations(scope).await?;
    let mut tallies = storage.tallies(scope).await?;
    tallies.samples = storage.activity_sample_tallies(scope).await?;
    let tallies = tallies.held_in(year);
    let reported = |activity: i64| tallies.activities.iter().any(|a| a.id == activity);
    let mut media = storage.media(scope, None).await?;
    media.retain(|m| reported(m.activity_id));
    let mut photos = storage.photos(scope, None).await?;
    photos.retain(|p| reported(p.activity_id));
    let report = quality_report(ReportInput {
        units: &units,
        tallies: &tallies,
        media: &media.iter().map(|m| m.organisation_id).collect::<Vec<_>>(),
        photos: &photos.iter().map(|p| p.organisation_id).collect::<Vec<_>>(),
        year,
        today,
    });
    Ok(Report {
        report,
        media,
        photos,
    })
}

/// The Quality Month report: every unit's own figures and each bureau's rolled up from
/// everything under it, the labs, institutes and county bureaus without an open day, and
/// the reporting deadlines (county → city by 30 September, city → province by 10 October)
/// with what each filing bureau still lacks.
#[utoipa::path(
    get,
    path = "/api/v1/staff/report",
    params(ReportQuery),
    responses(
        (status = 200, body = QualityReport),
        FieldErrors
    )
)]
pub async fn quality_report_json(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppQuery(query): AppQuery<ReportQuery>,
) -> Result<Json<QualityReport>, AppError> {
    Ok(Json(load_report(&state, &signed_in, &query).await?.report))
}

/// The Quality Month report as a Word document (.docx): the tables, the deadlines, the
/// media list and the photos with their captions.
#[utoipa::path(
    get,
    path = "/api/v1/staff/report.docx",
    params(ReportQuery),
    responses(
        (status = 200, content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        FieldErrors
    )
)]
pub async fn quality_report_docx(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppQuery(query): AppQuery<ReportQuery>,
) -> Result<Response, AppError> {
    let Report {
        report,
        media,
        photos,
    } = load_report(&state, &signed_in, &query).await?;
    let mut images = Vec::with_capacity(photos.len());
    for p in &photos {
        let bytes = state.storage.photo_image(p.id).await?;
        images.push((p.caption.clone(), bytes.map(|i| i.bytes)));
    }
    let made_on = auth::now_local().date();
    let year = report.year;
    // Decoding and re-encoding photos is seconds of CPU: off the async workers.
    let docx = tokio::task::spawn_blocking(move || {
        let photos: Vec<ReportPhoto> = images
            .into_iter()
            .map(|(caption, bytes)| ReportPhoto {
                caption,
                image: bytes.and_then(crate::quality_report::photo_png),
            })
            .collect();
        report_docx(&report, &media, &photos, made_on)
    })
    .await
    .map_err(|e| AppError::internal(format!("report task: {e}")))?
    .map_err(|e| AppError::internal(format!("report document: {e}")))?;
    let subject = export_subject("report.docx", year, &query);
    audit(
        &state,
        &signed_in.staff,
        AuditAction::ExportReport,
        &subject,
    )
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    .to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"labday-report-{year}.docx\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        docx,
    )
        .into_response())
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
        f.cloud_classroom_seats.into(),
        f.checked_in_people.into(),
        f.walk_in_people.into(),
        f.no_show_people.into(),
        Cell::Text(&rate),
        f.waitlisted_people.into(),
        f.samples.registered.into(),
        f.samples.tested.into(),
        f.samples.negative.into(),
        f.samples.suspicious.into(),
        f.samples.positive.into(),
        f.messages_sent.into(),
        f.messages_failed.into(),
    ]);
}

/// The summary as CSV (see [`crate::csv`]): one line overall, one per organisation, one
/// per activity, then bookings per day. Titles are staff-typed text and are neutralised
/// like any other.
pub fn summary_csv(s: &Summary) -> String {
    summary_lines(s).finish()
}

fn summary_lines(s: &Summary) -> Csv {
    let mut csv = Csv::with_header(&[
        "范围 scope",
        "编号 id",
        "名称 name",
        "场次 sessions",
        "取消场次 cancelled sessions",
        "提供名额 places offered",
        "预约人数 booked people",
        "其中云课堂座位 of them cloud-classroom seats",
        "签到人数 checked-in people",
        "其中现场预约人数 of them walk-in people",
        "未到人数 no-show people",
        "未到率 no-show rate",
        "候补人数 waitlisted people",
        "快检样品 samples registered",
        "已出结果 samples tested",
        "阴性 negative",
        "可疑 suspicious",
        "阳性 positive",
        "短信已发送 messages sent",
        "短信发送失败 messages failed",
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
        Cell::Text("预约日期 day booked"),
        Cell::Text("当日新增预约（含候补和之后取消的） bookings made (waiting and later cancelled ones included)"),
        Cell::Text("人数 people"),
    ]);
    for d in &s.overall.bookings_per_day {
        let day = d.day.to_string();
        csv.row([Cell::Text(&day), d.bookings.into(), d.people.into()]);
    }
    csv
}

/// The report's roll-up as CSV lines after the summary: a header, then each unit's rolled-up
/// total (its own plus everything under it), a parent before its children, then the total.
pub fn rollup_csv(csv: &mut Csv, r: &QualityReport) {
    csv.blank_line();
    let scope = format!("{} 年逐级汇总 rolled up", r.year);
    let header: Vec<String> = [scope.as_str(), "编号 id", "名称 name"]
        .map(str::to_owned)
        .into_iter()
        .chain(
            UNIT_NUMBER_COLUMNS
                .iter()
                .map(|(zh, en)| format!("{zh} {en}")),
        )
        .collect();
    csv.row(header.iter().map(|h| Cell::Text(h)));
    let units = r.units.iter().map(|u| {
        (
            u.kind.as_str(),
            u.organisation_id.to_string(),
            both_names(&u.name),
            &u.total,
        )
    });
    let overall = std::iter::once(("overall", String::new(), "全部 All".to_owned(), &r.overall));
    for (kind, id, name, counts) in units.chain(overall) {
        let line = [kind, id.as_str(), name.as_str()]
            .into_iter()
            .map(Cell::Text)
            .chain(unit_numbers(counts).map(Cell::from));
        csv.row(line);
    }
}

/// The summary as a CSV download, followed by the report's figures rolled up the
/// organisation tree.
#[utoipa::path(
    get,
    path = "/api/v1/staff/summary.csv",
    params(ReportQuery),
    responses((status = 200, content_type = "text/csv"), FieldErrors)
)]
pub async fn summary_export(
    State(state): State<AppState>,
    signed_in: SignedIn,
    AppQuery(query): AppQuery<ReportQuery>,
) -> Result<Response, AppError> {
    let mut csv = summary_lines(&load(&state, &signed_in, query.scope()).await?);
    let report = load_report(&state, &signed_in, &query).await?.report;
    rollup_csv(&mut csv, &report);
    let subject = export_subject("summary.csv", report.year, &query);
    audit(
        &state,
        &signed_in.staff,
        AuditAction::ExportSummary,
        &subject,
    )
    .await?;
    Ok(csv::download(csv.finish(), "labday-summary.csv"))
}

/// An export's subject in the audit log: the file, its year and the organisation chosen.
fn export_subject(file: &str, year: i32, query: &ReportQuery) -> String {
    match query.organisation_id {
        Some(id) => format!("{file} {year}, organisation {id}"),
        None => format!("{file} {year}"),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/summary", get(summary))
        .route("/staff/summary.csv", get(summary_export))
        .route("/staff/report", get(quality_report_json))
        .route("/staff/report.docx", get(quality_report_docx))
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
                starts_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
                title: Localised::new("开放日, 上午", "Open day"),
                organisation: Localised::new("", "Test lab"),
            }],
            sessions: vec![SessionTally {
                activity_id: 4,
                format: SessionFormat::Visit,
                cancelled: false,
                ended: true,
                capacity: 10,
                booked_people: 8,
                checked_in_people: 6,
                no_show_people: 2,
                waitlisted_people: 1,
                walk_in_people: 2,
                messages_sent: 7,
                messages_failed: 1,
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
            // 2 no-shows of the 4 + 2 who booked ahead (the 2 walk-ins came as they booked).
            csv.contains("overall,,全部 All,1,0,10,8,0,6,2,2,33.3%,1,0,0,0,0,0,7,1\r\n"),
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
                starts_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
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
