//! Generating a run of sessions at once (date range, days of week, daily hours, length,
//! gap, format, capacity) with a preview from the server before anything is saved.

use crate::api;
use crate::format;
use crate::i18n::{self, t, use_lang};
use crate::staff::form::{FieldError, FormAlert, Input, Typed};
use crate::staff::i18n as si;
use crate::staff::session_form::FormatSelect;
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
    let reserved = RwSignal::new("0".to_owned());
    let per_booking = RwSignal::new("5".to_owned());
    let title = RwSignal::new(String::new());
    let place = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let format = RwSignal::new(SessionFormat::Visit);
    let link = RwSignal::new(String::new());
    let online = move || format.get() == SessionFormat::CloudClassroom;
    // The series previewed and what it makes: "create" sends that very series, and a change
    // to any field takes the preview away, so what is created is what was shown.
    let preview = RwSignal::new(None::<(SessionSeries, Vec<SessionDraft>)>);
    let failure = RwSignal::new(None::<ApiError>);
    let created = RwSignal::new(None::<usize>);

    let series = move || -> Result<SessionSeries, ApiError> {
        let mut typed = Typed::default();
        let series = SessionSeries {
            from: typed.date("from", from),
            to: typed.date("to", to),
            weekdays: weekdays.get_untracked(),
            day_starts: typed.time("day_starts", day_starts),
            day_ends: typed.time("day_ends", day_ends),
            length_minutes: typed.count("length_minutes", length),
            gap_minutes: typed.count("gap_minutes", gap),
            format: format.get_untracked(),
            title: Localised::new(title.get_untracked(), ""),
            place: Localised::new(place.get_untracked(), ""),
            address: Localised::new(address.get_untracked(), ""),
            join_link: (format.get_untracked() == SessionFormat::CloudClassroom)
                .then(|| link.get_untracked()),
            capacity: typed.count("capacity", capacity),
            reserved_places: typed.count("reserved_places", reserved),
            per_booking_limit: typed.count("per_booking_limit", per_booking),
            booking_opens_at: today().and_time(NaiveTime::MIN),
            closes_minutes_before: 60,
            cancel_minutes_before: 120,
        };
        typed.finish(series)
    };
    Effect::new(move |_| {
        from.track();
        to.track();
        weekdays.track();
        format.track();
        for field in [
            day_starts,
            day_ends,
            length,
            gap,
            capacity,
            reserved,
            per_booking,
            title,
            place,
            address,
            link,
        ] {
            field.track();
        }
        preview.set(None);
    });
    let send = move |create: bool| {
        let s = if create {
            // The preview, and its button, go at once: a second tap makes nothing.
            let Some((s, _)) = preview.get_untracked() else {
                return;
            };
            preview.set(None);
            s
        } else {
            match series() {
                Ok(s) => s,
                Err(e) => {
                    failure.set(Some(e));
                    return;
                }
            }
        };
        failure.set(None);
        created.set(None);
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
                    // Shown only if the form still says what was sent.
                    Ok(list) if series().as_ref() == Ok(&s) => preview.set(Some((s, list))),
                    Ok(_) => {}
                    Err(e) => failure.set(Some(e)),
                }
            }
        });
    };
    view! {
        <section class="series">
            <h2>{t(si::SERIES_TITLE)}</h2>
            <form class="booking-form" on:submit=move |ev| { ev.prevent_default(); send(false); }>
                <div class="party">
                    <Input id="series-from" label=si::SERIES_FROM key="from" value=from failure=failure kind="date"/>
                    <Input id="series-to" label=si::SERIES_TO key="to" value=to failure=failure kind="date"/>
                </div>
                <fieldset class="weekdays">
                    <legend>{t(si::SERIES_WEEKDAYS)}</legend>
                    {(1u8..=7).map(|d| {
                        let label = move || si::WEEKDAYS.get(lang.get()).split(' ').nth(usize::from(d - 1)).unwrap_or("?").to_owned();
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || weekdays.get().contains(&d)
                                    on:change=move |_| weekdays.update(|w| if w.contains(&d) { w.retain(|x| *x != d) } else { w.push(d) })/>
                                <span>{label}</span>
                            </label>
                        }
                    }).collect_view()}
                    <FieldError failure=failure key="weekdays" id="series-weekdays"/>
                </fieldset>
                <div class="party">
                    <Input id="series-day-starts" label=si::SERIES_DAY_STARTS key="day_starts" value=day_starts failure=failure kind="time"/>
                    <Input id="series-day-ends" label=si::SERIES_DAY_ENDS key="day_ends" value=day_ends failure=failure kind="time"/>
                    <Input id="series-length" label=si::SERIES_LENGTH key="length_minutes" value=length failure=failure kind="count"/>
                    <Input id="series-gap" label=si::SERIES_GAP key="gap_minutes" value=gap failure=failure kind="count"/>
                    <Input id="series-capacity" label=si::SERIES_CAPACITY key="capacity" value=capacity failure=failure kind="count"/>
                    <Input id="series-reserved" label=si::SESSION_RESERVED key="reserved_places" value=reserved failure=failure kind="count"/>
                    <Input id="series-per-booking" label=si::SERIES_PER_BOOKING key="per_booking_limit" value=per_booking failure=failure kind="count"/>
                </div>
                <FormatSelect id="series-format" format=format/>
                <Input id="series-title" label=si::SERIES_SESSION_TITLE key="title" value=title failure=failure/>
                <Show when=move || !online() fallback=move || view! {
                    <Input id="series-link" label=si::SESSION_LINK key="join_link" value=link failure=failure kind="url"/>
                }>
                    <Input id="series-place" label=i18n::WHERE key="place" value=place failure=failure/>
                    <Input id="series-address" label=si::SESSION_ADDRESS key="address" value=address failure=failure/>
                </Show>
                <FormAlert failure=failure shown=&["from", "to", "weekdays", "day_starts", "day_ends", "length_minutes", "gap_minutes", "capacity", "reserved_places", "per_booking_limit", "title", "place", "address", "join_link"]/>
                <p role="status" aria-live="polite">
                    {move || created.get().map(|n| si::SERIES_CREATED_N.fill(lang.get(), &[("n", &n)]))}
                </p>
                <button type="submit" class="primary">{t(si::SERIES_PREVIEW)}</button>
            </form>
            {move || preview.get().map(|(_, list)| {
                let l = lang.get();
                let n = list.len();
                view! {
                    <p data-testid="series-count">{si::SERIES_WILL_CREATE_N.fill(l, &[("n", &n)])}</p>
                    <ul class="small">
                        {list.iter().take(12).map(|s| view! { <li>{format::slot(s.starts_at, s.ends_at, l)}</li> }).collect_view()}
                        {(n > 12).then(|| view! { <li>"…"</li> })}
                    </ul>
                    <button type="button" class="primary" on:click=move |_| send(true)>{si::SERIES_CREATE.get(l)}</button>
                }
            })}
        </section>
    }
}
