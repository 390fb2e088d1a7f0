//! The organiser's figures for the written summary every event must file: overall, per
//! organisation and per activity, bookings per day as a chart (with the same numbers in a
//! table), the Quality Month report rolled up the organisation tree (with the units still
//! without an open day and the reporting deadlines), the media coverage and the photos with
//! their captions, a CSV download, a Word download and a print layout for A4.

use crate::api;
use crate::i18n::{self, t, use_lang, Lang, Msg};
use crate::loaded::{load, Loaded};
use crate::staff::api as staff_api;
use crate::staff::i18n as si;
use crate::staff::media::{MediaList, PhotoGrid};
use labday_domain::figures::{DailyBookings, Figures, Summary};
use labday_domain::report::{Deadline, Filing, Gap, QualityReport, UnitCounts};
use leptos::prelude::*;

fn rate(f: &Figures) -> String {
    f.no_show_rate
        .map(|r| format!("{:.1} %", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// The figure rows, labelled, in the order a summary reports them.
fn rows(f: &Figures, l: Lang) -> Vec<(&'static str, String)> {
    vec![
        (si::FIG_SESSIONS.get(l), f.sessions.to_string()),
        (si::FIG_PLACES.get(l), f.places_offered.to_string()),
        // Each "of them" follows the figure it is a part of.
        (si::FIG_BOOKED.get(l), f.booked_people.to_string()),
        (si::FIG_CLOUD.get(l), f.cloud_classroom_seats.to_string()),
        (si::FIG_CHECKED_IN.get(l), f.checked_in_people.to_string()),
        (si::FIG_WALK_INS.get(l), f.walk_in_people.to_string()),
        (si::FIG_NO_SHOW_RATE.get(l), rate(f)),
        (si::FIG_WAITLISTED.get(l), f.waitlisted_people.to_string()),
        (
            si::FIG_MESSAGES.get(l),
            format!("{} / {}", f.messages_sent, f.messages_failed),
        ),
        (
            si::FIG_SAMPLES.get(l),
            format!("{} ({})", f.samples.registered, f.samples.tested),
        ),
        (
            si::FIG_SAMPLE_JUDGEMENTS.get(l),
            format!(
                "{} / {} / {}",
                f.samples.negative, f.samples.suspicious, f.samples.positive
            ),
        ),
    ]
}

#[component]
pub fn SummaryPage() -> impl IntoView {
    crate::title::use_title(si::SUMMARY_TITLE);
    let lang = use_lang();
    let summary = load(api::summary);
    let media = load(staff_api::media);
    let photos = load(staff_api::photos);
    let report = load(staff_api::quality_report);
    let print = |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <p><a href="/staff/" class="back">{t(i18n::BACK)}</a></p>
        <h1>{t(si::SUMMARY_TITLE)}</h1>
        <p class="actions">
            <a class="button secondary" href=api::SUMMARY_CSV_HREF download="">{t(si::EXPORT_CSV)}</a>
            <a class="button secondary" href=staff_api::report_docx_href() download="">{t(si::REPORT_DOCX)}</a>
            <button type="button" on:click=print>{t(si::PRINT)}</button>
        </p>
        <Loaded from=summary let:summary>
            <SummaryView summary lang=lang.get()/>
        </Loaded>
        <Loaded from=report let:report>
            <ReportView report lang=lang.get()/>
        </Loaded>
        <section class="keep-together">
            <h2>{t(si::SUMMARY_MEDIA)}</h2>
            <Loaded from=media let:items>
                <MediaList items/>
            </Loaded>
        </section>
        <section>
            <h2>{t(si::SUMMARY_PHOTOS)}</h2>
            <Loaded from=photos let:photos>
                <PhotoGrid photos/>
            </Loaded>
        </section>
    }
}

#[component]
fn SummaryView(summary: Summary, lang: Lang) -> impl IntoView {
    let l = lang;
    let overall = rows(&summary.overall, l);
    let days = summary.overall.bookings_per_day.clone();
    let by_org = summary
        .organisations
        .iter()
        .map(|o| (o.name.get(l.code()).to_owned(), o.figures.clone()))
        .collect();
    let by_activity = summary
        .activities
        .iter()
        .map(|a| (a.title.get(l.code()).to_owned(), a.figures.clone()))
        .collect();
    view! {
        <section>
            <h2>{si::SUMMARY_OVERALL.get(l)}</h2>
            <dl class="facts figures" data-testid="overall">
                {overall.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
        </section>
        <section>
            <h2>{si::SUMMARY_PER_DAY.get(l)}</h2>
            <DayChart days=days lang=l/>
        </section>
        {figure_table(si::SUMMARY_BY_ORG, i18n::ORGANISER, by_org, l)}
        {figure_table(si::SUMMARY_BY_ACTIVITY, si::COL_ACTIVITY, by_activity, l)}
    }
}

/// A section with one row of figures per named line (an organisation, an activity).
fn figure_table(title: Msg, first: Msg, lines: Vec<(String, Figures)>, l: Lang) -> impl IntoView {
    let heads = rows(&Figures::default(), l)
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    let lines = lines
        .into_iter()
        .map(|(name, f)| (name, rows(&f, l).into_iter().map(|(_, v)| v).collect()))
        .collect();
    table_section(title.get(l), None, first.get(l), heads, lines)
}

/// A section with a table (after a line saying what it holds, if any): a heading row, then
/// one row per named line.
fn table_section(
    title: &'static str,
    intro: Option<String>,
    first: &'static str,
    heads: Vec<&'static str>,
    lines: Vec<(String, Vec<String>)>,
) -> impl IntoView {
    view! {
        <section>
            <h2>{title}</h2>
            {intro.map(|text| view! { <p>{text}</p> })}
            // A wide table scrolls sideways on a phone: focusable, so a keyboard scrolls it too.
            <div class="table-wrap" tabindex="0" role="region" aria-label=title>
                <table class="roster">
                    <thead><tr>
                        <th scope="col">{first}</th>
                        {heads.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {lines.into_iter().map(|(name, cells)| view! {
                            <tr>
                                <th scope="row">{name}</th>
                                {cells.into_iter().map(|v| view! { <td>{v}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// The report's rolled-up figures: one row per bureau (its own plus everything under it),
/// then the total; the units without an open day; the deadlines and what each filing
/// bureau still lacks.
#[component]
fn ReportView(report: QualityReport, lang: Lang) -> impl IntoView {
    let l = lang;
    let counts = |c: &UnitCounts| {
        std::iter::once(c.open_days.to_string())
            .chain(rows(&c.figures, l).into_iter().map(|(_, v)| v))
            .chain([c.media_items.to_string(), c.photos.to_string()])
            .collect::<Vec<_>>()
    };
    let heads = std::iter::once(si::REPORT_OPEN_DAYS.get(l))
        .chain(rows(&Figures::default(), l).into_iter().map(|(h, _)| h))
        .chain([si::REPORT_MEDIA_ITEMS.get(l), si::REPORT_PHOTOS.get(l)])
        .collect();
    let mut lines: Vec<(String, Vec<String>)> = report
        .units
        .iter()
        .filter(|u| u.kind.is_bureau())
        .map(|u| {
            let indent = "\u{a0}\u{a0}".repeat(u.depth as usize);
            (
                format!("{indent}{}", u.name.get(l.code())),
                counts(&u.total),
            )
        })
        .collect();
    lines.push((si::REPORT_TOTAL.get(l).to_owned(), counts(&report.overall)));
    let idle = report
        .without_open_day
        .iter()
        .map(|u| view! { <li>{u.name.get(l.code()).to_owned()}</li> })
        .collect_view();
    view! {
        {table_section(si::REPORT_TITLE.get(l), Some(si::REPORT_INTRO.fill(l, &[("year", &report.year)])), si::REPORT_UNIT.get(l), heads, lines)}
        <section class="keep-together">
            <h2>{si::REPORT_WITHOUT_OPEN_DAY.get(l)}</h2>
            {if report.without_open_day.is_empty() {
                view! { <p class="empty">{si::REPORT_ALL_HELD.get(l)}</p> }.into_any()
            } else {
                view! { <ul>{idle}</ul> }.into_any()
            }}
        </section>
        <section class="keep-together">
            <h2>{si::REPORT_DEADLINES.get(l)}</h2>
            {report.deadlines.into_iter().map(|d| deadline_view(d, l)).collect_view()}
        </section>
    }
}

fn deadline_view(d: Deadline, l: Lang) -> impl IntoView {
    let step = match d.filing {
        Filing::CountyToCity => si::REPORT_COUNTY_TO_CITY,
        Filing::CityToProvince => si::REPORT_CITY_TO_PROVINCE,
    };
    let (when, n) = match d.days_left {
        0 => (si::REPORT_DUE_TODAY, 0),
        n if n > 0 => (si::REPORT_DAYS_LEFT, n),
        n => (si::REPORT_OVERDUE, -n),
    };
    let due = when.fill(l, &[("date", &d.due_on), ("n", &n)]);
    let gaps = |gaps: &[Gap]| {
        gaps.iter()
            .map(|g| match g {
                Gap::NoOpenDay => si::GAP_NO_OPEN_DAY.get(l),
                Gap::NoFigures => si::GAP_NO_FIGURES.get(l),
                Gap::NoPhotos => si::GAP_NO_PHOTOS.get(l),
                Gap::NoMedia => si::GAP_NO_MEDIA.get(l),
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let missing = d
        .missing
        .iter()
        .map(|m| view! { <li><strong>{m.name.get(l.code()).to_owned()}</strong>{format!("：{}", gaps(&m.gaps))}</li> })
        .collect_view();
    view! {
        <h3>{format!("{} — {due}", step.get(l))}</h3>
        {if d.missing.is_empty() {
            view! { <p>{si::REPORT_COMPLETE.get(l)}</p> }.into_any()
        } else {
            view! { <ul class="report-gaps">{missing}</ul> }.into_any()
        }}
    }
}

/// Bookings per day as bars, with the numbers also in a table for screen readers and print.
#[component]
fn DayChart(days: Vec<DailyBookings>, lang: Lang) -> impl IntoView {
    if days.is_empty() {
        return view! { <p class="empty">{si::SUMMARY_NONE.get(lang)}</p> }.into_any();
    }
    let max = days.iter().map(|d| d.bookings).max().unwrap_or(1).max(1);
    let bar = 28;
    let height = 120;
    let width = days.len() * bar + 8;
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = (d.bookings * height / max).max(1);
            let x = 4 + i * bar;
            let y = height + 20 - h;
            view! {
                <rect x=x + 4 y=y width=bar - 8 height=h fill="var(--primary)"/>
                <text x=x + bar / 2 y=y - 4 text-anchor="middle" font-size="11">{d.bookings}</text>
                <text x=x + bar / 2 y=height + 34 text-anchor="middle" font-size="10">{d.day.format("%m-%d").to_string()}</text>
            }
        })
        .collect_view();
    view! {
        <svg class="chart" viewBox=format!("0 0 {width} {}", height + 40) role="img"
            aria-label=si::SUMMARY_PER_DAY.get(lang) data-testid="per-day-chart">
            {bars}
        </svg>
        <div class="table-wrap">
            <table class="roster">
                <thead><tr><th scope="col">{si::DAY.get(lang)}</th><th scope="col">{si::FIG_BOOKINGS.get(lang)}</th><th scope="col">{i18n::PEOPLE.get(lang)}</th></tr></thead>
                <tbody>
                    {days.iter().map(|d| view! { <tr><td>{d.day.to_string()}</td><td>{d.bookings}</td><td>{d.people}</td></tr> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
