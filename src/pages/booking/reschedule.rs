//! "改期 / Change time" on a booking: the activity's other sessions that still have room
//! for the whole party, one to pick, and a confirmation. The move is one request; the
//! holder keeps the old place until the server has confirmed the new one, and the booking
//! code stays the same.

use crate::api;
use crate::components::status::FailureAlert;
use crate::format;
use crate::i18n::{self, t, use_lang};
use crate::text::flag;
use labday_domain::booking::{destinations, BookingStatus};
use labday_domain::{ApiError, BookingView, ErrorCode, SessionView};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The id of the button that opens the choice.
const OPEN: &str = "reschedule-open";
/// The choice's heading, where the keyboard goes when the choice opens.
const TITLE: &str = "reschedule-title";

/// A refused move in words: "cancelled" is said of the session chosen, not of the booking's.
fn move_error_msg(code: ErrorCode) -> i18n::Msg {
    match code {
        ErrorCode::SessionCancelled => i18n::RESCHEDULE_TARGET_CANCELLED,
        other => i18n::error_msg(other),
    }
}

/// The action and, once opened, the choice of sessions. `announce` says a finished move
/// to screen readers.
#[component]
pub fn Reschedule(
    current: RwSignal<BookingView>,
    phone: StoredValue<String>,
    announce: RwSignal<Option<&'static str>>,
) -> impl IntoView {
    let lang = use_lang();
    let open = RwSignal::new(false);
    let choices = RwSignal::new(None::<Vec<SessionView>>);
    let chosen = RwSignal::new(None::<i64>);
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let movable = move || {
        current.with(|b| {
            b.can_cancel
                && matches!(
                    b.status,
                    BookingStatus::Confirmed | BookingStatus::Waitlisted
                )
        })
    };
    let start = move |_| {
        open.set(true);
        chosen.set(None);
        failure.set(None);
        choices.set(None);
        // The button pressed gives way to the choice: the keyboard goes to its heading.
        crate::dom::focus_soon(TITLE.into());
        let (activity, session, people) = current
            .with_untracked(|b| (b.session.activity_id, b.session.id, b.adults + b.children));
        spawn_local(async move {
            match api::activity_sessions(activity).await {
                Ok(sessions) => choices.set(Some(
                    destinations(&sessions, session, people)
                        .into_iter()
                        .cloned()
                        .collect(),
                )),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    // Closed, the choice gives its place back to the button that opened it, with the focus.
    let close = move || {
        open.set(false);
        crate::dom::focus_soon(OPEN.into());
    };
    let confirm = move |_| {
        let Some(to) = chosen.get_untracked() else {
            return;
        };
        let code = current.with_untracked(|b| b.code.as_str().to_owned());
        failure.set(None);
        busy.set(true);
        spawn_local(async move {
            match api::reschedule_booking(&code, &phone.get_value(), to).await {
                Ok(view) => {
                    current.set(view);
                    close();
                    announce.set(Some(i18n::RESCHEDULED.get(lang.get_untracked())));
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let choice = move |s: SessionView| {
        let l = lang.get();
        let id = s.id;
        let label = format!(
            "{} · {} · {}",
            format::slot(s.starts_at, s.ends_at, l),
            s.title.get(l.code()),
            i18n::AVAILABILITY_LEFT.fill(
                l,
                &[
                    (
                        "availability",
                        &format::availability_msg(s.availability).get(l)
                    ),
                    ("left", &s.places_left)
                ]
            )
        );
        view! {
            <li>
                <label>
                    <input type="radio" name="reschedule-to" value=id.to_string()
                        prop:checked=flag(move || chosen.get() == Some(id))
                        on:change=move |_| chosen.set(Some(id))/>
                    " "{label}
                </label>
            </li>
        }
    };
    view! {
        <Show when=flag(movable)>
            {move || if open.get() {
                view! {
                    <section class="reschedule" aria-labelledby=TITLE data-testid="reschedule">
                        <h2 id=TITLE tabindex="-1">{t(i18n::RESCHEDULE_TITLE)}</h2>
                        <p class="small">{t(i18n::RESCHEDULE_HINT)}</p>
                        {move || match choices.get() {
                            None if failure.with(Option::is_none) => view! { <p>{t(i18n::LOADING)}</p> }.into_any(),
                            None => ().into_any(),
                            Some(list) if list.is_empty() => view! { <p class="empty">{t(i18n::RESCHEDULE_NONE)}</p> }.into_any(),
                            Some(list) => view! {
                                <fieldset>
                                    <legend>{t(i18n::RESCHEDULE_PICK)}</legend>
                                    <ul class="choices">{list.into_iter().map(choice).collect_view()}</ul>
                                </fieldset>
                                <button type="button" class="primary" on:click=confirm
                                    disabled=move || busy.get() || chosen.with(Option::is_none)>
                                    {t(i18n::RESCHEDULE_CONFIRM)}
                                </button>
                            }.into_any(),
                        }}
                        <button type="button" on:click=move |_| close()>{t(i18n::RESCHEDULE_KEEP)}</button>
                        <FailureAlert failure=failure messages=move_error_msg/>
                    </section>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="secondary" id=OPEN on:click=start>{t(i18n::RESCHEDULE)}</button>
                }.into_any()
            }}
        </Show>
    }
}
