//! An activity: what it is, who runs it, where, safety notes, and its sessions by day with
//! places left and the booking window of each.

use crate::api;
use crate::components::board::Board;
use crate::format;
use crate::i18n::{self, t, use_lang};
use crate::loaded::{load_id, Loaded};
use crate::pages::home::kind_msg;
use crate::route::use_id_param;
use crate::text::{flag, text};
use chrono::NaiveDate;
use labday_domain::session::{SessionStatus, WindowState};
use labday_domain::{ActivityDetail, Availability, SessionFormat, SessionView};
use leptos::prelude::*;

/// Sessions grouped by their (venue-local) day, in order.
pub fn by_day(sessions: &[SessionView]) -> Vec<(NaiveDate, Vec<SessionView>)> {
    let mut days: Vec<(NaiveDate, Vec<SessionView>)> = Vec::new();
    for s in sessions {
        let d = s.starts_at.date();
        match days.last_mut() {
            Some((day, list)) if *day == d => list.push(s.clone()),
            _ => days.push((d, vec![s.clone()])),
        }
    }
    days
}

/// A map search for a place, opened in a new tab.
fn map_href(place: &str) -> String {
    format!(
        "https://uri.amap.com/search?keyword={}",
        js_sys::encode_uri_component(place)
    )
}

#[component]
pub fn ActivityPage() -> impl IntoView {
    let id = use_id_param();
    let detail = load_id(id, api::activity);
    crate::title::use_title_with(move |l| match detail.get() {
        Some(Ok(a)) => a.summary.title.get(l.code()).to_owned(),
        _ => i18n::APP_NAME.get(l).to_owned(),
    });
    view! {
        <p><a href="/" class="back">{t(i18n::BACK)}</a></p>
        <Loaded from=detail messages=i18n::page_error_msg let:activity>
            <ActivityView activity/>
        </Loaded>
    }
}

#[component]
fn ActivityView(activity: ActivityDetail) -> impl IntoView {
    let lang = use_lang();
    let a = StoredValue::new(activity);
    let localised = move |f: fn(&ActivityDetail) -> &labday_domain::Localised| {
        text(move || a.with_value(|a| f(a).get(lang.get().code()).to_owned()))
    };
    // An organisation may give no address or telephone: then there is nothing to show (a map
    // searched for nothing, an empty line).
    let map_href =
        a.with_value(|a| (!a.address.zh.trim().is_empty()).then(|| map_href(&a.address.zh)));
    let contact = a.with_value(|a| (!a.contact.trim().is_empty()).then(|| a.contact.clone()));
    let has_safety = a.with_value(|a| !a.safety_notes.zh.is_empty());
    let days = a.with_value(|a| by_day(&a.sessions));
    // With a session held elsewhere, the organiser's address is not simply where to go.
    let address_label = match a.with_value(|a| a.sessions.iter().any(|s| s.held_at.is_some())) {
        true => i18n::ORGANISER_ADDRESS,
        false => i18n::ADDRESS,
    };
    let quick_test = a.with_value(|a| {
        a.sessions
            .iter()
            .any(|s| s.format == SessionFormat::QuickTest)
            .then_some(a.summary.id)
    });
    view! {
        <article class="activity">
            <p class="kind">{t(kind_msg(a.with_value(|a| a.summary.kind)))}</p>
            <h1>{localised(|a| &a.summary.title)}</h1>
            <p class="meta">{text(move || a.with_value(|a| format::date_range(a.summary.starts_on, a.summary.ends_on, lang.get())))}</p>
            <p>{localised(|a| &a.description)}</p>
            <dl class="facts">
                <dt>{t(i18n::ORGANISER)}</dt>
                <dd>{localised(|a| &a.summary.organisation)}</dd>
                {map_href.map(|href| view! {
                    <dt>{t(address_label)}</dt>
                    <dd>{localised(|a| &a.address)}" "<a href=href target="_blank" rel="noopener">{t(i18n::MAP)}</a></dd>
                })}
                {contact.map(|contact| view! {
                    <dt>{t(i18n::CONTACT)}</dt>
                    <dd>{contact}</dd>
                })}
            </dl>
            <Show when=flag(move || has_safety)>
                <section class="safety">
                    <h2>{t(i18n::SAFETY)}</h2>
                    <p>{localised(|a| &a.safety_notes)}</p>
                </section>
            </Show>
            <section>
                <h2>{t(i18n::SESSIONS)}</h2>
                <p><a class="button secondary" data-testid="subscribe-calendar" rel="external"
                    href=text(move || api::activity_calendar_href(a.with_value(|a| a.summary.id), lang.get().code()))
                    aria-label=t(i18n::SUBSCRIBE_CALENDAR_LABEL)>{t(i18n::SUBSCRIBE_CALENDAR)}</a></p>
                {if days.is_empty() {
                    view! { <p class="empty">{t(i18n::NO_SESSIONS)}</p> }.into_any()
                } else {
                    days.into_iter().map(|(day, sessions)| view! {
                        <h3 class="day">{text(move || format::day(day, lang.get()))}</h3>
                        <ul class="sessions">
                            {sessions.into_iter().map(|s| view! { <SessionRow session=s/> }).collect_view()}
                        </ul>
                    }).collect_view().into_any()
                }}
            </section>
            {quick_test.map(|id| view! { <Board activity_id=id/> })}
        </article>
    }
}

#[component]
fn SessionRow(session: SessionView) -> impl IntoView {
    let lang = use_lang();
    let s = StoredValue::new(session);
    let action = move || {
        let l = lang.get();
        s.with_value(|s| {
            let href = format!("/sessions/{}/book", s.id);
            match (s.status, s.window) {
                (SessionStatus::Cancelled, _) => view! { <span class="state">{i18n::SESSION_CANCELLED.get(l)}</span> }.into_any(),
                (_, WindowState::NotYetOpen) => view! {
                    <span class="state">{i18n::WINDOW_NOT_YET_OPENS.fill(l, &[("at", &format::moment(s.booking_opens_at, l))])}</span>
                }.into_any(),
                (_, WindowState::Closed) => view! { <span class="state">{i18n::WINDOW_CLOSED.get(l)}</span> }.into_any(),
                (_, WindowState::Open) => {
                    let (label, named) = if s.availability == Availability::Full { (i18n::JOIN_WAITLIST, i18n::JOIN_WAITLIST_FOR) } else { (i18n::BOOK, i18n::BOOK_SESSION) };
                    let title = named.fill(l, &[("session", &s.title.get(l.code()))]);
                    view! { <a class="button" href=href aria-label=title>{label.get(l)}</a> }.into_any()
                }
            }
        })
    };
    // Samples are handed in at the session itself, so registration stays open until it ends.
    let samples_link = s.with_value(|s| {
        (s.format == SessionFormat::QuickTest
            && s.status != SessionStatus::Cancelled
            && s.window != WindowState::NotYetOpen
            && s.ends_at > format::venue_now())
        .then(|| {
            let href = format!("/sessions/{}/samples", s.id);
            let title = s.title.clone();
            view! {
                <a class="button secondary" href=href data-testid="register-samples"
                    aria-label=text(move || i18n::REGISTER_SAMPLES_FOR.fill(lang.get(), &[("session", &title.get(lang.get().code()))]))>
                    {t(i18n::REGISTER_SAMPLES)}
                </a>
            }
        })
    });
    view! {
        <li class="session">
            <div class="session-main">
                <p class="time">{text(move || s.with_value(|s| format::times(s.starts_at, s.ends_at, lang.get())))}</p>
                <p class="title">{text(move || s.with_value(|s| s.title.get(lang.get().code()).to_owned()))}</p>
                <p class="meta">
                    {text(move || s.with_value(|s| format!("{} · {}", format::format_msg(s.format).get(lang.get()), format::place_held(&s.place, s.held_at.as_ref(), lang.get()))))}
                    // A session's own place, at its own address when it has one (a market's
                    // quick-test point is not at the lab).
                    {s.with_value(|s| (s.format != SessionFormat::CloudClassroom).then(|| {
                        let search = s.held_at.as_ref().map_or(&s.place.zh, |a| &a.zh);
                        view! { " " <a href=map_href(search) target="_blank" rel="noopener">{t(i18n::MAP)}</a> }
                    }))}
                </p>
                // Whether it can be booked is said once, by the action beside it: outside its
                // window the places are only counted, and a cancelled session has none.
                {s.with_value(|v| (v.status != SessionStatus::Cancelled).then(|| {
                    let open = v.window == WindowState::Open;
                    let class = if open { format::availability_class(v.availability) } else { "badge" };
                    view! {
                        <p class=class>
                            {text(move || s.with_value(|s| {
                                let l = lang.get();
                                let (left, capacity) = (&s.places_left, &s.capacity);
                                if open {
                                    i18n::AVAILABILITY_OF.fill(l, &[("availability", &format::availability_msg(s.availability).get(l)), ("left", left), ("capacity", capacity)])
                                } else {
                                    i18n::PLACES_OF.fill(l, &[("left", left), ("capacity", capacity)])
                                }
                            }))}
                        </p>
                    }
                }))}
                <p class="small">{text(move || s.with_value(|s| format::deadlines(s, lang.get())))}</p>
            </div>
            <div class="session-action">{action}{samples_link}</div>
        </li>
    }
}
