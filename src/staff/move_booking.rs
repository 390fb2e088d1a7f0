//! Moving a visitor from the roster's session to another session of the same activity (a
//! phone call: "can we come in the afternoon instead?"). The same rules as the holder's own
//! move: before the cancellation deadline, into a free place, or onto the waiting list only
//! when ticked; the booking code stays. The server audits it. What fails (loading the
//! choices, or the move) is said in the form's own section, where staff are looking.

use crate::api as shared;
use crate::components::status::FailureAlert;
use crate::format;
use crate::i18n::{t, use_lang, Msg};
use crate::loaded::page_id;
use crate::staff::api;
use crate::staff::desk::Desk;
use crate::staff::i18n as s;
use labday_domain::booking::{BookingStatus, MoveBooking};
use labday_domain::schedule::ScheduledSession;
use labday_domain::staff::RosterEntry;
use labday_domain::{ApiError, ErrorCode, SessionStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The holders who can be moved, and the sessions they can go to, as loaded.
#[derive(Clone, Default)]
struct Choices {
    holders: Vec<RosterEntry>,
    sessions: Vec<ScheduledSession>,
}

/// The move form under a session's roster, loaded when opened.
#[component]
pub fn MoveForm(desk: Desk, id: Memo<Option<i64>>, on_moved: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let open = RwSignal::new(false);
    let choices = RwSignal::new(None::<Choices>);
    let code = RwSignal::new(String::new());
    let to = RwSignal::new(None::<i64>);
    let accept_waiting = RwSignal::new(false);
    // A refusal here is about the move (`session_cancelled` names the session it was to
    // go to), never a reason to close the desk.
    let failure = RwSignal::new(None::<ApiError>);
    let failed = move |e: ApiError| failure.set(Some(e));
    let load = move |_| {
        open.set(true);
        failure.set(None);
        choices.set(None);
        code.set(String::new());
        to.set(None);
        let Some(session) = id.get_untracked() else {
            return;
        };
        let now = format::venue_now();
        spawn_local(async move {
            let roster = shared::roster(session).await;
            let activities = api::scheduled_activities().await;
            match (roster, activities) {
                (Ok(roster), Ok(activities)) => choices.set(Some(Choices {
                    holders: roster
                        .into_iter()
                        .filter(|e| {
                            matches!(
                                e.status,
                                BookingStatus::Confirmed | BookingStatus::Waitlisted
                            )
                        })
                        .collect(),
                    sessions: activities
                        .into_iter()
                        .find(|a| a.sessions.iter().any(|s| s.id == session))
                        .map(|a| {
                            a.sessions
                                .into_iter()
                                .filter(|s| {
                                    // Only sessions still taking bookings: the server
                                    // refuses the others by the same rule.
                                    s.id != session
                                        && s.status == SessionStatus::Scheduled
                                        && s.draft.booking_closes_at > now
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })),
                // Closed again, so its button offers the retry.
                (Err(e), _) | (_, Err(e)) => {
                    open.set(false);
                    failed(e);
                }
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(target) = to.get_untracked() else {
            return;
        };
        let request = MoveBooking {
            code: code.get_untracked(),
            from_session_id: 0,
            to_session_id: target,
            accept_waiting: accept_waiting.get_untracked(),
        };
        let call = async move {
            let from_session_id = page_id(id.get_untracked())?;
            api::move_booking(&MoveBooking {
                from_session_id,
                ..request
            })
            .await
        };
        desk.begin();
        failure.set(None);
        spawn_local(async move {
            let view = match call.await {
                Ok(view) => view,
                Err(e) => return failed(e),
            };
            open.set(false);
            on_moved.run(());
            let l = lang.get_untracked();
            let when = format::slot(view.session.starts_at, view.session.ends_at, l);
            let args: [(&str, &dyn std::fmt::Display); 3] = [
                ("code", &view.code.display()),
                ("when", &when),
                ("status", &format::status_msg(view.status).get(l)),
            ];
            desk.announce.set(s::MOVED_ANNOUNCE.fill(l, &args));
        });
    };
    view! {
        <section class="move-booking" aria-labelledby="move-title" hidden=move || desk.closed.get()>
            <h2 id="move-title">{t(s::MOVE_TITLE)}</h2>
            {move || if !open.get() {
                view! { <button type="button" class="secondary" on:click=load>{t(s::MOVE_OPEN)}</button> }.into_any()
            } else {
                match choices.get() {
                    None => view! { <p>{t(crate::i18n::LOADING)}</p> }.into_any(),
                    Some(c) if c.holders.is_empty() || c.sessions.is_empty() => view! {
                        <p class="empty">{t(s::MOVE_NOTHING)}</p>
                    }.into_any(),
                    Some(c) => view! {
                        <form class="console-form" on:submit=submit novalidate>
                            <label for="move-holder">{t(s::MOVE_HOLDER)}</label>
                            <select id="move-holder" on:change=move |ev| code.set(event_target_value(&ev))>
                                <option value="">"—"</option>
                                {c.holders.into_iter().map(|e| {
                                    let label = format!("{} · {} · {}", e.name, e.code, e.adults.saturating_add(e.children));
                                    view! { <option value=e.code.clone()>{label}</option> }
                                }).collect_view()}
                            </select>
                            <label for="move-to">{t(s::MOVE_TO)}</label>
                            <select id="move-to" on:change=move |ev| to.set(event_target_value(&ev).parse().ok())>
                                <option value="">"—"</option>
                                {c.sessions.into_iter().map(|s| {
                                    let left = s.places().online_free();
                                    // What tells two sessions at one time apart; no empty parts.
                                    let label = move || {
                                        let l = lang.get();
                                        let slot = format::slot(s.draft.starts_at, s.draft.ends_at, l);
                                        let left = s::MOVE_PLACES_LEFT.fill(l, &[("n", &left)]);
                                        [slot.as_str(), s.draft.title.get(l.code()), s.draft.place.get(l.code()), left.as_str()]
                                            .into_iter()
                                            .filter(|part| !part.is_empty())
                                            .collect::<Vec<_>>()
                                            .join(" · ")
                                    };
                                    view! { <option value=s.id.to_string()>{label}</option> }
                                }).collect_view()}
                            </select>
                            <label class="check">
                                <input type="checkbox" prop:checked=move || accept_waiting.get()
                                    on:change=move |ev| accept_waiting.set(event_target_checked(&ev))/>
                                " "{t(s::MOVE_ACCEPT_WAITING)}
                            </label>
                            <button type="submit" class="primary"
                                disabled=move || code.with(String::is_empty) || to.get().is_none()>{t(s::MOVE_CONFIRM)}</button>
                            " "
                            <button type="button" on:click=move |_| open.set(false)>{t(s::MOVE_CLOSE)}</button>
                        </form>
                    }.into_any(),
                }
            }}
            <FailureAlert failure=failure messages=move_error/>
        </section>
    }
}

/// A refused move in words: `session_cancelled` is about the session it was to go to.
fn move_error(code: ErrorCode) -> Msg {
    match code {
        ErrorCode::SessionCancelled => s::MOVE_TARGET_CANCELLED,
        other => crate::i18n::error_msg(other),
    }
}
