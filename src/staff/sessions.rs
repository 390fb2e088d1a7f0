//! Where staff start: every activity of their organisation (organisers: all) with every
//! session — past and cancelled ones too — and the people booked on each, refreshed every
//! 15 seconds so bookings can be seen arriving. From here they create and edit activities
//! and sessions, generate a series, open a roster, and cancel a session after confirming.

use crate::components::status::FailureAlert;
use crate::format;
use crate::i18n::{self, t, use_lang};
use crate::loaded::{load, Loaded};
use crate::staff::activity_form::ActivityForm;
use crate::staff::api;
use crate::staff::i18n as s;
use crate::staff::session_form::SessionForm;
use labday_domain::schedule::{ScheduledActivity, ScheduledSession};
use labday_domain::{ApiError, SessionFormat, SessionStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The one form open at a time (so labels never repeat on the page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Panel {
    Series,
    NewActivity,
    EditActivity,
    NewSession,
    EditSession(i64),
}

/// Moves focus (and the view) to the open form's heading.
fn focus_panel() {
    request_animation_frame(|| {
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("panel-heading"))
        {
            use wasm_bindgen::JsCast;
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    crate::title::use_title(s::STAFF_APP_NAME);
    let lang = use_lang();
    let activities = load(api::scheduled_activities);
    let chosen = RwSignal::new(None::<i64>);
    let panel = RwSignal::new(Panel::Series);
    let announce = RwSignal::new(String::new());
    // The session waiting for the "really cancel?" answer; kept here so the list can
    // refresh underneath without losing it.
    let confirming = RwSignal::new(None::<i64>);
    if let Ok(handle) = set_interval_with_handle(
        move || activities.refetch(),
        std::time::Duration::from_secs(15),
    ) {
        on_cleanup(move || handle.clear());
    }
    let open = move |p: Panel| {
        announce.set(String::new());
        panel.set(p);
        focus_panel();
    };
    // Memos: a refresh that brings nothing new re-renders nothing, so focus and what is
    // being read stay put; only a change (a booking arriving) redraws the list.
    let loaded = Memo::new(move |_| activities.get());
    // What the picker shows: names only, so new bookings leave it alone.
    let choices = activities.map(|r| {
        r.clone().map(|list| {
            list.into_iter()
                .map(|a| (a.id, a.draft.title, a.organisation))
                .collect::<Vec<_>>()
        })
    });
    let current = Memo::new(move |_| -> Option<ScheduledActivity> {
        let id = chosen.get()?;
        loaded
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|a| a.id == id))
    });

    view! {
        <h1>{t(s::CHOOSE_SESSION)}</h1>
        <p class="actions">
            <button type="button" on:click=move |_| open(Panel::NewActivity)>{t(s::NEW_ACTIVITY)}</button>
            <button type="button" on:click=move |_| activities.refetch()>{t(s::REFRESH)}</button>
        </p>
        <p class="sr-only" role="status" aria-live="polite">{move || announce.get()}</p>
        <p class="notice" aria-hidden="true">{move || announce.get()}</p>
        <Loaded from=choices let:list>
            {if list.is_empty() {
                view! { <p class="empty">{t(s::NO_ACTIVITY_YET)}</p> }.into_any()
            } else {
                view! {
                    <label for="activity">{t(s::CHOOSE_ACTIVITY)}</label>
                    <select id="activity" on:change=move |ev| {
                        chosen.set(event_target_value(&ev).parse().ok());
                        panel.set(Panel::Series);
                    }>
                        <option value="">"—"</option>
                        {list.into_iter().map(|(id, title, organisation)| {
                            let label = move || {
                                let l = lang.get().code();
                                format!("{} · {}", title.get(l), organisation.get(l))
                            };
                            view! { <option value=id.to_string() selected=move || chosen.get() == Some(id)>{label}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            }}
        </Loaded>
        {move || current.get().map(|a| {
            let l = lang.get();
            view! {
                <p class="meta">{format!("{} · {}", a.organisation.get(l.code()), format::date_range_dated(a.draft.starts_on, a.draft.ends_on, l))}</p>
                <p class="actions">
                    <button type="button" on:click=move |_| open(Panel::EditActivity)>{s::EDIT_ACTIVITY.get(l)}</button>
                    <button type="button" on:click=move |_| open(Panel::NewSession)>{s::NEW_SESSION.get(l)}</button>
                </p>
            }
        })}
        // The open form sits outside the list, so refreshing the list keeps what is typed.
        {move || {
            let p = panel.get();
            let activity_id = chosen.get();
            let heading = move |m: i18n::Msg| view! { <h2 id="panel-heading" tabindex="-1">{t(m)}</h2> };
            // A saved form: the list refreshed, what happened announced, the form closed.
            let saved = Callback::new(move |message: String| {
                activities.refetch();
                announce.set(message);
                panel.set(Panel::Series);
            });
            let close = move || view! {
                <button type="button" class="secondary" on:click=move |_| panel.set(Panel::Series)>{t(s::CLOSE_FORM)}</button>
            };
            match (p, activity_id) {
                (Panel::NewActivity, _) => view! {
                    <section class="series">
                        {heading(s::NEW_ACTIVITY)}
                        <ActivityForm existing=None on_saved=Callback::new(move |(id, message): (i64, String)| {
                            activities.refetch();
                            chosen.set(Some(id));
                            announce.set(message);
                            panel.set(Panel::NewSession);
                            focus_panel();
                        })/>
                        {close()}
                    </section>
                }.into_any(),
                (Panel::EditActivity, Some(_)) => {
                    let existing = current.get_untracked();
                    view! {
                        <section class="series">
                            {heading(s::EDIT_ACTIVITY)}
                            <ActivityForm existing=existing on_saved=Callback::new(move |(_, message): (i64, String)| saved.run(message))
                                on_stale=Callback::new(move |_| activities.refetch())/>
                            {close()}
                        </section>
                    }.into_any()
                }
                (Panel::NewSession, Some(activity_id)) => view! {
                    <section class="series">
                        {heading(s::NEW_SESSION)}
                        <SessionForm activity_id=activity_id existing=None on_saved=saved/>
                        {close()}
                    </section>
                }.into_any(),
                (Panel::EditSession(id), Some(activity_id)) => {
                    let existing = current.get_untracked().and_then(|a| a.sessions.into_iter().find(|x| x.id == id));
                    view! {
                        <section class="series">
                            {heading(s::EDIT_SESSION)}
                            {existing.map(|e| view! {
                                <SessionForm activity_id=activity_id existing=Some(e) on_saved=saved
                                    on_stale=Callback::new(move |_| activities.refetch())/>
                            })}
                            {close()}
                        </section>
                    }.into_any()
                }
                (_, Some(activity_id)) => view! {
                    <crate::staff::series::SeriesForm activity_id=activity_id on_created=Callback::new(move |_| activities.refetch())/>
                }.into_any(),
                (_, None) => ().into_any(),
            }
        }}
        {move || current.get().map(|a| view! {
            <SessionList sessions=a.sessions utc_offset_minutes=a.utc_offset_minutes announce=announce confirming=confirming on_edit=Callback::new(move |id| open(Panel::EditSession(id)))
                on_changed=Callback::new(move |_| activities.refetch())/>
        })}
    }
}

#[component]
fn SessionList(
    sessions: Vec<ScheduledSession>,
    /// The venue's clock (minutes east of UTC): a session is over when it has ended there.
    utc_offset_minutes: i32,
    announce: RwSignal<String>,
    confirming: RwSignal<Option<i64>>,
    on_edit: Callback<i64>,
    on_changed: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let now = format::venue_now_at(utc_offset_minutes);
    let failure = RwSignal::new(None::<ApiError>);
    let cancel = move |id: i64| {
        failure.set(None);
        spawn_local(async move {
            match api::cancel_session(id).await {
                Ok(done) => {
                    confirming.set(None);
                    announce.set(
                        s::SESSION_CANCELLED_N
                            .fill(lang.get_untracked(), &[("n", &done.cancelled_bookings)]),
                    );
                    on_changed.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <h2>{t(i18n::SESSIONS)}</h2>
        {sessions.is_empty().then(|| view! { <p class="empty">{t(s::NO_SESSIONS_YET)}</p> })}
        <ul class="sessions">
            {sessions.into_iter().map(|x| {
                let id = x.id;
                let d = x.draft.clone();
                let cancelled = x.status == SessionStatus::Cancelled;
                let over = d.ends_at <= now;
                let label = Memo::new(move |_| {
                    let l = lang.get();
                    let name = if d.title.zh.is_empty() {
                        format::format_msg(d.format).get(l).to_owned()
                    } else {
                        d.title.get(l.code()).to_owned()
                    };
                    format!("{} · {name}", format::slot(d.starts_at, d.ends_at, l))
                });
                let places = x.places();
                let counts = move || {
                    let l = lang.get();
                    let mut text = s::BOOKED_COUNT.fill(l, &[("booked", &x.booked), ("capacity", &x.draft.capacity)]);
                    if x.waiting > 0 {
                        text.push_str(" · ");
                        text.push_str(&s::WAITING_COUNT.fill(l, &[("n", &x.waiting)]));
                    }
                    // Staff see both numbers once walk-ins are in play: online and at the door.
                    if places.reserved > 0 || places.walk_ins > 0 {
                        text.push_str(" · ");
                        text.push_str(&s::PLACES_BOTH.fill(l, &[
                            ("online", &places.online_free()),
                            ("door", &places.walk_in_free()),
                            ("reserved", &places.reserved),
                            ("walk_ins", &places.walk_ins),
                        ]));
                    }
                    if cancelled {
                        text.push_str(&format!(" · {}", s::SESSION_CANCELLED.get(l)));
                    } else if over {
                        text.push_str(&format!(" · {}", s::SESSION_OVER.get(l)));
                    }
                    text
                };
                let quick_test = x.draft.format == SessionFormat::QuickTest;
                view! {
                    <li class="session" class:cancelled=cancelled>
                        <div class="session-main">
                            <p class="title">{move || label.get()}</p>
                            <p class="meta" data-testid="session-counts">{counts}</p>
                        </div>
                        <a class="button" href=format!("/staff/sessions/{id}") aria-label=move || s::OPEN_ROSTER_OF.fill(lang.get(), &[("session", &label.get())])>{t(s::OPEN_ROSTER)}</a>
                        {quick_test.then(|| view! {
                            <a class="button secondary" href=format!("/staff/sessions/{id}/samples") aria-label=move || s::OPEN_SAMPLES_OF.fill(lang.get(), &[("session", &label.get())])>{t(s::OPEN_SAMPLES)}</a>
                        })}
                        {(!cancelled).then(|| view! {
                            <button type="button" on:click=move |_| on_edit.run(id) aria-label=move || s::EDIT_SESSION_NAMED.fill(lang.get(), &[("session", &label.get())])>{t(s::EDIT)}</button>
                        })}
                        // A session over keeps its bookings as they went: no cancelling.
                        {(!cancelled && !over).then(|| view! {
                            <button type="button" class="danger" on:click=move |_| confirming.set(Some(id)) aria-label=move || s::CANCEL_SESSION_NAMED.fill(lang.get(), &[("session", &label.get())])>{t(s::CANCEL_SESSION)}</button>
                        })}
                        <Show when=move || confirming.get() == Some(id)>
                            <div class="confirm" role="group" aria-label=move || s::CANCEL_SESSION.get(lang.get())>
                                <p>{t(s::CANCEL_CONFIRM)}</p>
                                <FailureAlert failure=failure/>
                                <p class="actions">
                                    <button type="button" class="danger" on:click=move |_| cancel(id)>{t(s::CANCEL_CONFIRM_YES)}</button>
                                    <button type="button" on:click=move |_| confirming.set(None)>{t(s::CANCEL_CONFIRM_NO)}</button>
                                </p>
                            </div>
                        </Show>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
