//! The booking form: name, mobile, party, consent to the privacy notice; in its place, why
//! a session takes no booking now (cancelled, not open yet, closed), and above it a warning
//! when its cancellation deadline has passed already. The same rules as
//! the server (labday-domain) run before sending, so errors sit beside their fields at once;
//! the server's verdict is shown the same way. A retry after a lost answer reuses the
//! Idempotency-Key, so it can never book twice.

use crate::api;
use crate::attempt::Attempt;
use crate::components::phone_code::PhoneCodeField;
use crate::components::privacy::PrivacyNotice;
use crate::components::status::FailureAlert;
use crate::format;
use crate::i18n::{self, field_msg, t, use_lang, Lang};
use crate::loaded::{load, load_id, Loaded};
use crate::route::{self, use_id_param};
use crate::store;
use crate::text::{flag, maybe_message, message, text};
use labday_domain::privacy::PrivacyNotice as Notice;
use labday_domain::{
    Availability, BookingReceipt, BookingRequest, FieldCode, SessionStatus, SessionView,
    WindowState,
};
use leptos::prelude::*;
use std::collections::BTreeMap;

#[component]
pub fn BookPage() -> impl IntoView {
    crate::title::use_title(i18n::BOOK_TITLE);
    let id = use_id_param();
    let session = load_id(id, api::session);
    view! {
        <Loaded from=session messages=i18n::page_error_msg let:session>
            <BookingForm session/>
        </Loaded>
    }
}

#[component]
fn FieldError(field: &'static str, errors: RwSignal<BTreeMap<String, FieldCode>>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <p class="field-error" id=format!("{field}-error")>
            {maybe_message(move || errors.with(|e| e.get(field).map(|&c| field_msg(c).get(lang.get()))))}
        </p>
    }
}

#[component]
fn BookingForm(session: SessionView) -> impl IntoView {
    let lang = use_lang();
    let s = StoredValue::new(session);
    // The session's own limit, or the daily limit per phone when that is smaller (known
    // once the server's numbers arrive): the form offers no party the server must refuse
    // (the choices above it are disabled).
    let notice = load(api::privacy);
    let own = s.with_value(|s| s.per_booking_limit.max(1));
    let limit = move || match notice.get() {
        Some(Ok(n)) => n.per_booking(own).max(1),
        _ => own,
    };
    let name = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let adults = RwSignal::new(1u32);
    let children = RwSignal::new(0u32);
    let consent = RwSignal::new(false);
    // A party picked before the server's numbers cut the choice is cut with it.
    Effect::new(move |_| {
        let most = limit();
        if adults.get_untracked() > most {
            adults.set(most);
        }
        if children.get_untracked() >= most {
            children.set(most - 1);
        }
    });
    let errors = RwSignal::new(BTreeMap::<String, FieldCode>::new());
    let attempt = Attempt::new();
    let (busy, failure) = (attempt.busy, attempt.failure);
    let back = format!("/activities/{}", s.with_value(|s| s.activity_id));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !attempt.ready() {
            return;
        }
        let mut request = BookingRequest {
            session_id: s.with_value(|s| s.id),
            name: name.get_untracked(),
            phone: phone.get_untracked(),
            adults: adults.get_untracked(),
            children: children.get_untracked(),
            consent: consent.get_untracked(),
            lang: lang.get_untracked().of_messages(),
            phone_token: None,
        };
        let show = move |fields: &BTreeMap<String, FieldCode>| {
            errors.set(fields.clone());
            focus_first_error(fields);
        };
        if let Err(e) = request.validate(limit()) {
            return show(&e.fields);
        }
        errors.set(BTreeMap::new());
        let phone = request.phone.clone();
        let done = {
            let phone = phone.clone();
            move |view: BookingReceipt| {
                store::remember_booking(view.code.as_str(), &phone);
                route::navigate(&format!("/bookings/{}", view.code.as_str()));
            }
        };
        let send = |proof, key: String| async move {
            request.phone_token = proof;
            api::book(&request, &key).await
        };
        attempt.submit(phone, code.get_untracked(), send, done, show);
    };

    let invalid =
        move |field: &'static str| text(move || errors.with(|e| e.contains_key(field)).to_string());
    let full = s.with_value(|s| s.availability == Availability::Full);
    // A session that takes no booking now says so, and why, where its form would be.
    let closed = move || {
        let l = lang.get();
        s.with_value(|s| match (s.status, s.window) {
            (SessionStatus::Cancelled, _) => Some(i18n::ERR_SESSION_CANCELLED.get(l).to_owned()),
            (_, WindowState::NotYetOpen) => Some(
                i18n::WINDOW_NOT_YET_OPENS
                    .fill(l, &[("at", &format::moment(s.booking_opens_at, l))]),
            ),
            (_, WindowState::Closed) => Some(i18n::WINDOW_CLOSED.get(l).to_owned()),
            (_, WindowState::Open) => None,
        })
    };
    let cancel_passed = s.with_value(|s| format::now_at(s.utc_offset_minutes) >= s.cancel_deadline);
    view! {
        <p><a href=back class="back">{t(i18n::BACK)}</a></p>
        <h1>{t(i18n::BOOK_TITLE)}</h1>
        <section class="summary">
            <p class="title">{text(move || s.with_value(|s| format!("{} · {}", s.activity_title.get(lang.get().code()), s.title.get(lang.get().code()))))}</p>
            <p>{text(move || s.with_value(|s| format::slot(s.starts_at, s.ends_at, lang.get())))}</p>
            <p>{text(move || s.with_value(|s| format::place_held(&s.place, s.held_at.as_ref(), lang.get())))}</p>
            <Show when=flag(move || closed().is_none())>
                <p class=s.with_value(|s| format::availability_class(s.availability))>
                    {text(move || s.with_value(|s| i18n::AVAILABILITY_LEFT.fill(lang.get(), &[("availability", &format::availability_msg(s.availability).get(lang.get())), ("left", &s.places_left)])))}
                </p>
                <p class="small">{text(move || s.with_value(|s| format::deadlines(s, lang.get())))}</p>
            </Show>
        </section>
        <Show when=flag(move || closed().is_none()) fallback=move || view! {
            <p class="notice" role="status" data-testid="not-bookable">{closed}</p>
        }>
        <Show when=flag(move || full)>
            <p class="notice">{t(i18n::FULL_NOTICE)}</p>
        </Show>
        <Show when=flag(move || cancel_passed)>
            <p class="notice" data-testid="cancel-passed">{t(i18n::CANCEL_PASSED_NOTICE)}</p>
        </Show>
        <form class="booking-form" on:submit=submit novalidate>
            <label for="name">{t(i18n::NAME)}</label>
            <input id="name" name="name" autocomplete="name" maxlength="40" bind:value=name
                aria-invalid=invalid("name") aria-describedby="name-error"/>
            <FieldError field="name" errors=errors/>

            <label for="phone">{t(i18n::PHONE)}</label>
            <input id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel" maxlength="20"
                bind:value=phone aria-invalid=invalid("phone") aria-describedby="phone-error"/>
            <FieldError field="phone" errors=errors/>
            <PhoneCodeField phone code errors/>

            <div class="party">
                <div>
                    <label for="adults">{t(i18n::ADULTS)}</label>
                    <select id="adults" aria-invalid=invalid("adults") aria-describedby="adults-error party-error"
                        on:change=move |ev| adults.set(event_target_value(&ev).parse().unwrap_or(1))
                        prop:value=text(move || adults.get().to_string())>
                        {(1..=own).map(|n| view! { <option value=n.to_string() disabled=flag(move || n > limit())>{n}</option> }).collect_view()}
                    </select>
                </div>
                <div>
                    <label for="children">{t(i18n::CHILDREN)}</label>
                    <select id="children" aria-describedby="party-error"
                        on:change=move |ev| children.set(event_target_value(&ev).parse().unwrap_or(0))
                        prop:value=text(move || children.get().to_string())>
                        {(0..own).map(|n| view! { <option value=n.to_string() disabled=flag(move || n >= limit())>{n}</option> }).collect_view()}
                    </select>
                </div>
            </div>
            <p class="small">{text(move || crate::format::counted(limit(), i18n::PER_BOOKING_ONE, i18n::PER_BOOKING_LIMIT, lang.get()))}</p>
            <FieldError field="adults" errors=errors/>
            <FieldError field="party" errors=errors/>

            <PrivacyNotice collected=i18n::PRIVACY_TEXT retention=i18n::PRIVACY_RETENTION also=no_show_rule/>
            <label class="check">
                <input id="consent" type="checkbox" bind:checked=consent
                    aria-invalid=invalid("consent") aria-describedby="consent-error"/>
                <span>{t(i18n::CONSENT)}</span>
            </label>
            <FieldError field="consent" errors=errors/>

            <FailureAlert failure=failure fields_beside=true/>
            // Not `disabled` while sending: a disabled button drops the keyboard's focus to
            // the page's top; `Attempt::ready` already sends nothing twice.
            <button type="submit" class="primary" aria-disabled=text(move || busy.get().to_string())>
                {message(move || if busy.get() { i18n::SUBMITTING.get(lang.get()) } else { i18n::SUBMIT_BOOKING.get(lang.get()) })}
            </button>
        </form>
        </Show>
    }
}

/// The no-show rule in the server's numbers, when it has one, and how long a no-show's
/// keyed phone hash is kept for it: without a rule the form says nothing of either.
fn no_show_rule(notice: &Notice, lang: Lang) -> Option<String> {
    let (count, within, block) = notice.no_show_rule()?;
    let count = format::counted(count, i18n::TIMES_ONE, i18n::TIMES_N, lang);
    let [within, block, digest] =
        [within, block, notice.phone_digest_days].map(|n| format::days(n, lang));
    let numbers = [
        ("count", &count as &dyn std::fmt::Display),
        ("within", &within),
        ("block", &block),
        ("digest", &digest),
    ];
    Some(i18n::NO_SHOW_RULE.fill(lang, &numbers))
}

/// Moves keyboard and screen-reader focus to the first field in error.
fn focus_first_error(fields: &BTreeMap<String, FieldCode>) {
    let order = ["name", "phone", "phone_code", "adults", "party", "consent"];
    let Some(first) = order.iter().find(|f| fields.contains_key(**f)) else {
        return;
    };
    crate::dom::focus(if *first == "party" { "adults" } else { first });
}
