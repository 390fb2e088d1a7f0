//! Generating a run of sessions at once (date range, days of week, daily hours, length,
//! gap, capacity) with a preview from the server before anything is saved.

use crate::api;
use crate::format;
use crate::i18n::{self, error_msg, field_msg, t, use_lang};
use chrono::{Duration, NaiveDate, NaiveTime};
use labday_domain::activity::Localised;
use labday_domain::schedule::{SessionDraft, SessionSeries};
use labday_domain::time::{venue_local, SHANGHAI_OFFSET_MINUTES};
use labday_domain::{ApiError, SessionFormat};
use leptos::prelude::*;
use leptos::task::spawn_local;

fn today() -> NaiveDate {
    let now =
        chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default();
    venue_local(now, SHANGHAI_OFFSET_MINUTES).date()
}

fn number(field: RwSignal<String>) -> u32 {
    field.get_untracked().trim().parse().unwrap_or(0)
}

#[component]
pub fn SeriesForm(activity_id: i64, #[prop(into)] on_created: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let start = today() + Duration::days(1);
    let from = RwSignal::new(start.to_string());
    let to = RwSignal::new((start + Duration::days(6)).to_string());
    let weekdays = RwSignal::new(vec![1u8, 2, 3, 4, 5]);
    let day_starts = RwSignal::new("09:00".to_owned());
    let day_ends = RwSignal::new("12:00".to_owned());
    let length = RwSignal::new("60".to_owned());
    let gap = RwSignal::new("30".to_owned());
    let capacity = RwSignal::new("30".to_owned());
    let per_booking = RwSignal::new("5".to_owned());
    let title = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<Vec<SessionDraft>>);
    let failure = RwSignal::new(None::<ApiError>);
    let created = RwSignal::new(None::<usize>);

    let series = move || -> Option<SessionSeries> {
        let time =
            |s: RwSignal<String>| NaiveTime::parse_from_str(&s.get_untracked(), "%H:%M").ok();
        let from = from.get_untracked().parse().ok()?;
        Some(SessionSeries {
            from,
            to: to.get_untracked().parse().ok()?,
            weekdays: weekdays.get_untracked(),
            day_starts: time(day_starts)?,
            day_ends: time(day_ends)?,
            length_minutes: number(length),
            gap_minutes: number(gap),
            format: SessionFormat::Visit,
            title: Localised::new(title.get_untracked(), ""),
            place: Localised::new(place.get_untracked(), ""),
            join_link: None,
            capacity: number(capacity),
            per_booking_limit: number(per_booking),
            booking_opens_at: today().and_time(NaiveTime::MIN),
            closes_minutes_before: 60,
            cancel_minutes_before: 120,
        })
    };
    let send = move |create: bool| {
        failure.set(None);
        created.set(None);
        let Some(s) = series() else {
            failure.set(Some(ApiError::new(
                labday_domain::ErrorCode::Invalid,
                "dates and times",
            )));
            return;
        };
        spawn_local(async move {
            if create {
                match api::generate_series(activity_id, &s).await {
                    Ok(done) => {
                        created.set(Some(done.session_ids.len()));
                        preview.set(None);
                        on_created.run(());
                    }
                    Err(e) => failure.set(Some(e)),
                }
            } else {
                match api::preview_series(activity_id, &s).await {
                    Ok(list) => preview.set(Some(list)),
                    Err(e) => failure.set(Some(e)),
                }
            }
        });
    };
    let field =
        |id: &'static str, label: i18n::Msg, value: RwSignal<String>, kind: &'static str| {
            view! {
                <div>
                    <label for=id>{t(label)}</label>
                    <input id=id type=kind bind:value=value/>
                </div>
            }
        };
    view! {
        <section class="series">
            <h2>{t(i18n::SERIES_TITLE)}</h2>
            <form class="booking-form" on:submit=move |ev| { ev.prevent_default(); send(false); }>
                <div class="party">
                    {field("series-from", i18n::SERIES_FROM, from, "date")}
                    {field("series-to", i18n::SERIES_TO, to, "date")}
                </div>
                <fieldset class="weekdays">
                    <legend>{t(i18n::SERIES_WEEKDAYS)}</legend>
                    {(1u8..=7).map(|d| {
                        let label = move || i18n::WEEKDAYS.get(lang.get()).chars().nth(usize::from(d - 1)).unwrap_or('?').to_string();
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || weekdays.get().contains(&d)
                                    on:change=move |_| weekdays.update(|w| if w.contains(&d) { w.retain(|x| *x != d) } else { w.push(d) })/>
                                <span>{label}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="party">
                    {field("series-day-starts", i18n::SERIES_DAY_STARTS, day_starts, "time")}
                    {field("series-day-ends", i18n::SERIES_DAY_ENDS, day_ends, "time")}
                    {field("series-length", i18n::SERIES_LENGTH, length, "number")}
                    {field("series-gap", i18n::SERIES_GAP, gap, "number")}
                    {field("series-capacity", i18n::SERIES_CAPACITY, capacity, "number")}
                    {field("series-per-booking", i18n::SERIES_PER_BOOKING, per_booking, "number")}
                </div>
                {field("series-title", i18n::SERIES_SESSION_TITLE, title, "text")}
                {field("series-place", i18n::WHERE, place, "text")}
                <div aria-live="assertive">
                    {move || failure.get().map(|e| {
                        let msg = error_msg(e.code);
                        let fields: Vec<(String, String)> = e.fields.into_iter().collect();
                        view! {
                            <div class="error" role="alert">
                                <p>{move || msg.get(lang.get())}</p>
                                <ul>{fields.into_iter().map(|(f, c)| view! { <li>{format!("{f}: {}", field_msg(&c).get(lang.get_untracked()))}</li> }).collect_view()}</ul>
                            </div>
                        }
                    })}
                </div>
                <p role="status" aria-live="polite">
                    {move || created.get().map(|n| format!("{}: {n}", i18n::SERIES_CREATED.get(lang.get())))}
                </p>
                <button type="submit" class="primary">{t(i18n::SERIES_PREVIEW)}</button>
            </form>
            {move || preview.get().map(|list| {
                let l = lang.get();
                let n = list.len();
                view! {
                    <p data-testid="series-count">{format!("{}: {n}", i18n::SERIES_WILL_CREATE.get(l))}</p>
                    <ul class="small">
                        {list.iter().take(12).map(|s| view! { <li>{format::slot(s.starts_at, s.ends_at, l)}</li> }).collect_view()}
                        {(n > 12).then(|| view! { <li>"…"</li> })}
                    </ul>
                    <button type="button" class="primary" on:click=move |_| send(true)>{i18n::SERIES_CREATE.get(l)}</button>
                }
            })}
        </section>
    }
}
