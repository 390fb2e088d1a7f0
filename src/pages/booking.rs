//! One booking as its holder sees it: code and QR to show at the door (only while it holds
//! an on-site place), session details, add-to-calendar (while it holds a place), the join
//! link for a cloud-classroom seat, cancellation, what became of it when the organiser
//! cancelled its session, and erasing the holder's name and number once the booking is
//! cancelled or its session is over.
//! Opening it needs the phone number it was booked with (remembered on this device).

mod reschedule;

use crate::api;
use crate::components::privacy::TextMessageNote;
use crate::components::qr::QrCode;
use crate::components::status::FailureAlert;
use crate::format;
use crate::i18n::{self, t, use_lang, Msg};
use crate::loaded::{load, Loaded};
use crate::route::use_code_param;
use crate::store;
use crate::text::{flag, maybe_message, maybe_text, message, text};
use labday_domain::booking::BookingStatus;
use labday_domain::calendar::booking_event;
use labday_domain::session::SessionStatus;
use labday_domain::{ApiError, BookingView, ErrorCode, SessionFormat};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// What the page has to show: the phone to ask for (again, after a number that did not
/// match, with the reason), or the booking.
#[derive(Clone)]
enum Lookup {
    Ask(Option<Msg>),
    Found(Box<BookingView>),
}

#[component]
pub fn BookingPage() -> impl IntoView {
    crate::title::use_title(i18n::TITLE_BOOKING);
    let lang = use_lang();
    let code = use_code_param();
    let phone = RwSignal::new(store::phone_for(&code()));
    let booking = load(move || {
        let code = code();
        let phone = phone.get();
        async move {
            let Some(phone) = phone else {
                // Nothing to ask yet: the page asks for the phone.
                return Ok(Lookup::Ask(None));
            };
            match api::find_booking(&code, &phone).await {
                Ok(view) => {
                    // Remembered once it matched: a mistyped number is never kept, and a
                    // visit does not move a remembered booking to the top of the list.
                    if store::phone_for(&code).as_deref() != Some(phone.as_str()) {
                        store::remember_booking(&code, &phone);
                    }
                    Ok(Lookup::Found(Box::new(view)))
                }
                // The number did not match (or the booking is gone): ask again, saying so.
                Err(e) if e.code == ErrorCode::NotFound => {
                    Ok(Lookup::Ask(Some(i18n::ERR_NOT_FOUND)))
                }
                Err(e) => Err(e),
            }
        }
    });
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Msg>);
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = typed.get_untracked();
        match labday_domain::Phone::parse(&p) {
            Ok(_) => {
                error.set(None);
                phone.set(Some(p));
            }
            Err(c) => error.set(Some(i18n::field_msg(c))),
        }
    };
    view! {
        <Loaded from=booking let:found>
            {match found {
                Lookup::Ask(missed) => {
                    // A number typed wrong now says so; else why the last one missed.
                    let shown = move || error.get().or(missed).map(|m| m.get(lang.get()));
                    view! {
                        <h1>{t(i18n::FIND_TITLE)}</h1>
                        <form class="lookup" on:submit=ask novalidate>
                            <p id="lookup-phone-hint">{t(i18n::ENTER_PHONE)}</p>
                            <label for="lookup-phone">{t(i18n::PHONE)}</label>
                            <input id="lookup-phone" type="tel" inputmode="numeric" autocomplete="tel" bind:value=typed
                                aria-describedby="lookup-phone-hint lookup-phone-error"
                                aria-invalid=text(move || shown().is_some().to_string())/>
                            <p class="field-error" id="lookup-phone-error" role="alert">{maybe_message(shown)}</p>
                            <button type="submit" class="primary">{t(i18n::FIND)}</button>
                        </form>
                    }.into_any()
                }
                Lookup::Found(view) => {
                    let p = phone.get_untracked().unwrap_or_default();
                    view! { <BookingCard booking=*view phone=p/> }.into_any()
                }
            }}
        </Loaded>
    }
}

fn calendar_href(view: &BookingView, lang: &str) -> String {
    // Made now: a file made after a move replaces the event a calendar took before.
    let made = chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64);
    let made = made.unwrap_or_default();
    format!(
        "data:text/calendar;charset=utf-8,{}",
        js_sys::encode_uri_component(&booking_event(view, lang, made))
    )
}

#[component]
fn BookingCard(booking: BookingView, phone: String) -> impl IntoView {
    let lang = use_lang();
    let current = RwSignal::new(booking);
    let failure = RwSignal::new(None::<ApiError>);
    let announce = RwSignal::new(None::<&'static str>);
    let phone = StoredValue::new(phone);
    // A cancellation or an erasure under way: "yes" takes no second tap meanwhile.
    let working = RwSignal::new(false);
    let cancel = move |()| {
        let code = current.with_untracked(|b| b.code.as_str().to_owned());
        failure.set(None);
        working.set(true);
        spawn_local(async move {
            match api::cancel_booking(&code, &phone.get_value()).await {
                Ok(view) => {
                    current.set(view);
                    announce.set(Some(i18n::CANCELLED_TITLE.get(lang.get_untracked())));
                    // The button pressed is gone: the heading, which now says so, has focus.
                    crate::dom::focus_soon(HEADING.into());
                }
                Err(e) => failure.set(Some(e)),
            }
            working.set(false);
        });
    };
    let erased = RwSignal::new(false);
    let erase = move |()| {
        let code = current.with_untracked(|b| b.code.as_str().to_owned());
        failure.set(None);
        working.set(true);
        spawn_local(async move {
            match api::erase_booking(&code, &phone.get_value()).await {
                Ok(()) => {
                    erased.set(true);
                    crate::dom::focus_soon(HEADING.into());
                }
                Err(e) => failure.set(Some(e)),
            }
            working.set(false);
        });
    };
    let l = move || lang.get();
    let code_text = move || current.with(|b| b.code.display());
    let status = move || current.with(|b| b.status);
    let online = move || current.with(|b| b.session.format == SessionFormat::CloudClassroom);
    // Cancelled with its session, by the organiser, not by the holder.
    let with_session = move || current.with(|b| b.session.status == SessionStatus::Cancelled);
    let heading = move || {
        match status() {
            BookingStatus::Confirmed => i18n::BOOKED_TITLE,
            BookingStatus::Waitlisted => i18n::WAITLISTED_TITLE,
            BookingStatus::Cancelled if with_session() => i18n::SESSION_CANCELLED_TITLE,
            BookingStatus::Cancelled => i18n::CANCELLED_TITLE,
            BookingStatus::CheckedIn => i18n::CHECKED_IN_TITLE,
            BookingStatus::NoShow => i18n::NO_SHOW_TITLE,
        }
        .get(l())
    };
    // The QR code gets a confirmed holder through the door: not a waiting one, not one
    // already in or marked absent, and nobody to an online seat.
    let door_ticket = move || status() == BookingStatus::Confirmed && !online();
    let holds_or_waits = move || {
        matches!(
            status(),
            BookingStatus::Confirmed | BookingStatus::Waitlisted
        )
    };
    let gone = move || {
        view! {
            <div role="status" data-testid="booking-erased">
                <h1 id=HEADING tabindex="-1">{t(i18n::ERASED_TITLE)}</h1>
                <p>{t(i18n::ERASED_TEXT)}</p>
            </div>
            <p><a href="/my">{t(i18n::NAV_MY)}</a></p>
        }
    };
    view! {
        <Show when=move || !erased.get() fallback=gone>
        <p class="sr-only" role="status" aria-live="polite">{maybe_message(move || announce.get())}</p>
        <h1 id=HEADING tabindex="-1">{heading}</h1>
        <section class=text(move || format!("ticket {}", status().as_str()))>
            <p class="code-label">{t(i18n::BOOKING_CODE)}</p>
            <p class="code" data-testid="booking-code">{code_text}</p>
            <Show when=flag(door_ticket)>
                {move || {
                    let code = current.with(|b| b.code.as_str().to_owned());
                    view! { <QrCode text=code label=Signal::derive(move || i18n::QR_LABEL.get(lang.get()).to_owned())/> }
                }}
                <p class="small">{t(i18n::SHOW_AT_DOOR)}</p>
            </Show>
            <Show when=flag(move || status() == BookingStatus::Waitlisted && !online())>
                <p class="small">{t(i18n::WAITLISTED_NO_TICKET)}</p>
            </Show>
            <Show when=flag(holds_or_waits)>
                <TextMessageNote/>
            </Show>
            <Show when=flag(move || status() == BookingStatus::Cancelled && with_session())>
                <p>{t(i18n::SESSION_CANCELLED_TEXT)}</p>
                <p><a href=text(move || current.with(|b| format!("/activities/{}", b.session.activity_id)))>{t(i18n::OTHER_SESSIONS)}</a></p>
            </Show>
            <dl class="facts">
                <dt>{t(i18n::STATUS)}</dt>
                <dd data-testid="booking-status">{message(move || format::status_msg(status()).get(l()))}
                    {maybe_text(move || current.with(|b| b.waitlist_position).map(|n| format!(" · {}", i18n::WAITLIST_PLACE.fill(l(), &[("n", &n)]))))}
                </dd>
                <dt>{t(i18n::WHEN)}</dt>
                <dd>{text(move || current.with(|b| format::slot(b.session.starts_at, b.session.ends_at, l())))}</dd>
                <dt>{t(i18n::WHERE)}</dt>
                <dd>{text(move || current.with(|b| format!("{} · {} · {}", b.session.activity_title.get(l().code()), b.session.title.get(l().code()), b.session.place.get(l().code()))))}</dd>
                <Show when=flag(move || !online())>
                    <dt>{t(i18n::ADDRESS)}</dt>
                    <dd>{text(move || current.with(|b| b.address.get(l().code()).to_owned()))}</dd>
                </Show>
                <dt>{t(i18n::PARTY)}</dt>
                <dd>{text(move || current.with(|b| format::party(b.adults, b.children, l())))}</dd>
                <dt>{t(i18n::HOLDER)}</dt>
                <dd>{text(move || current.with(|b| format!("{} · {}", b.name_masked, b.phone_masked)))}</dd>
            </dl>
            {move || current.with(|b| b.join_link.clone()).map(|link| view! {
                <p><a class="button" href=link.clone() target="_blank" rel="noopener" data-testid="join-link">{t(i18n::JOIN_LINK)}</a></p>
                <p class="small">{t(i18n::JOIN_LINK_HINT)}</p>
            })}
            <Show when=flag(move || status() == BookingStatus::Confirmed)>
                <p>
                    <a class="button secondary" download=text(move || format!("labday-{}.ics", current.with(|b| b.code.as_str().to_owned())))
                        href=text(move || current.with(|b| calendar_href(b, l().code())))>{t(i18n::ADD_TO_CALENDAR)}</a>
                </p>
            </Show>
        </section>
        <FailureAlert failure=failure/>
        <reschedule::Reschedule current phone announce/>
        {move || {
            let (can, st) = current.with(|b| (b.can_cancel, b.status));
            if can {
                let asks = if st == BookingStatus::Waitlisted { LEAVING } else { CANCELLING };
                view! { <AskFirst asks act=Callback::new(cancel) working/> }.into_any()
            } else if matches!(st, BookingStatus::Confirmed | BookingStatus::Waitlisted) {
                view! { <p class="notice">{t(i18n::CANCEL_TOO_LATE)}</p> }.into_any()
            } else {
                ().into_any()
            }
        }}
        <Show when=move || current.with(|b| b.can_erase)>
            <section class="erase">
                <p class="small">{t(i18n::ERASE_HINT)}</p>
                <AskFirst asks=ERASING act=Callback::new(erase) working/>
            </section>
        </Show>
        <p><a href="/my">{t(i18n::NAV_MY)}</a></p>
        </Show>
    }
}

/// The page's heading, focused when what was pressed is gone (cancelled, erased).
const HEADING: &str = "booking-heading";

/// The words of an action that asks before it acts: the button, the question, yes and no;
/// and the id its button and its "no" share (focus stays where the finger was).
struct Asking([Msg; 4], &'static str);

const CANCELLING: Asking = Asking(
    [
        i18n::CANCEL_BOOKING,
        i18n::CANCEL_CONFIRM,
        i18n::CANCEL_YES,
        i18n::CANCEL_NO,
    ],
    "ask-cancel",
);
/// Cancelling a place on the waiting list, which holds no places to release.
const LEAVING: Asking = Asking(
    [
        i18n::CANCEL_BOOKING,
        i18n::LEAVE_QUEUE_CONFIRM,
        i18n::CANCEL_YES,
        i18n::CANCEL_NO,
    ],
    "ask-cancel",
);
const ERASING: Asking = Asking(
    [
        i18n::ERASE_TITLE,
        i18n::ERASE_CONFIRM,
        i18n::ERASE_YES,
        i18n::ERASE_NO,
    ],
    "ask-erase",
);

/// A button that asks first: pressed, it puts its question with yes (which does `act`, and
/// takes no second tap while `working`) and no (which puts the button back). Each swap
/// keeps the focus on the control that took the button's place.
#[component]
fn AskFirst(asks: Asking, act: Callback<()>, working: RwSignal<bool>) -> impl IntoView {
    let Asking([label, question, yes, no], id) = asks;
    let asking = RwSignal::new(false);
    let swap = move |to: bool| {
        asking.set(to);
        crate::dom::focus_soon(id.into());
    };
    move || {
        if asking.get() {
            view! {
                <div class="confirm" role="group" aria-label=t(label)>
                    <p>{t(question)}</p>
                    <button type="button" class="danger" on:click=move |_| act.run(())
                        disabled=flag(move || working.get())>{t(yes)}</button>
                    <button type="button" id=id on:click=move |_| swap(false)>{t(no)}</button>
                </div>
            }
            .into_any()
        } else {
            view! { <button type="button" class="secondary" id=id on:click=move |_| swap(true)>{t(label)}</button> }.into_any()
        }
    }
}
