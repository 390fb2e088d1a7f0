//! "Find by mobile number" on 我的预约, when the server verifies phones: a code texted to
//! the phone lists every booking and sample of it, so a lost code or a cleared browser
//! loses nothing. Each one found is remembered on this device like one made here. Without
//! verification it shows nothing (the code and phone lookup beside it stays).

use crate::api;
use crate::components::phone_code::{self, PhoneCodeField};
use crate::components::sample;
use crate::components::status::FailureAlert;
use crate::format;
use crate::i18n::{self, t, use_lang};
use crate::store;
use crate::text::flag;
use labday_domain::{ApiError, FieldCode, Phone};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

#[component]
pub fn FindByPhone() -> impl IntoView {
    let lang = use_lang();
    let on = phone_code::verifying_now();
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(BTreeMap::<String, FieldCode>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let found = RwSignal::new(None::<api::Holdings>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let typed = phone.get_untracked();
        spawn_local(async move {
            let answer = match phone_code::proof(&typed, &code.get_untracked()).await {
                Ok(token) => api::phone_holdings(&typed, &token.unwrap_or_default()).await,
                Err(e) => Err(e),
            };
            match answer {
                Ok(holdings) => {
                    errors.set(BTreeMap::new());
                    let last4 = Phone::parse(&typed)
                        .map(|p| p.last4().to_owned())
                        .unwrap_or_default();
                    for b in holdings.bookings.iter().rev() {
                        store::remember_booking(b.code.as_str(), &typed);
                    }
                    for s in holdings.samples.iter().rev() {
                        store::remember_sample(s.code.as_str(), &last4);
                    }
                    found.set(Some(holdings));
                }
                Err(e) => {
                    phone_code::settle(&e);
                    errors.set(e.fields.clone());
                    failure.set(Some(e));
                    // A field's mistake is read out where it is.
                    crate::dom::focus_first_invalid_in_form_of("phone");
                }
            }
        });
    };
    let field_error =
        move || errors.with(|e| e.get("phone").map(|&c| i18n::field_msg(c).get(lang.get())));
    let results = move || {
        found.get().map(|h| {
            let l = lang.get();
            let empty = h.bookings.is_empty() && h.samples.is_empty();
            let bookings = h.bookings.into_iter().map(|b| {
                let line = format!("{} · {} · {}", b.session.activity_title.get(l.code()), format::slot(b.session.starts_at, b.session.ends_at, l), format::status_msg(b.status).get(l));
                view! { <li><a href=format!("/bookings/{}", b.code.as_str())>{b.code.display()}</a>" "{line}</li> }
            }).collect_view();
            let samples = h.samples.into_iter().map(|s| {
                let line = format!("{} · {}", s.variety.name.get(l.code()), sample::status_msg(s.status).get(l));
                view! { <li><a href=format!("/samples/{}", s.code.as_str())>{s.code.display()}</a>" "{line}</li> }
            }).collect_view();
            view! {
                <p class="meta">{h.phone_masked}</p>
                {empty.then(|| view! { <p class="empty">{t(i18n::FIND_PHONE_NONE)}</p> })}
                <ul data-testid="phone-holdings">{bookings}{samples}</ul>
            }
        })
    };
    view! {
        <Show when=flag(on)>
            <section class="find">
                <h2>{t(i18n::FIND_PHONE_TITLE)}</h2>
                <p class="small">{t(i18n::FIND_PHONE_HINT)}</p>
                <form on:submit=submit novalidate>
                    <label for="phone">{t(i18n::PHONE)}</label>
                    <input id="phone" type="tel" inputmode="numeric" autocomplete="tel" bind:value=phone aria-describedby="phone-error"
                        aria-invalid=move || field_error().is_some().to_string()/>
                    <p class="field-error" id="phone-error">{crate::text::maybe_message(field_error)}</p>
                    <PhoneCodeField phone code errors/>
                    <FailureAlert failure=failure fields_beside=true/>
                    <button type="submit" class="primary">{t(i18n::FIND)}</button>
                </form>
                // What was found (or that nothing was) is read out as it arrives.
                <div role="status">{results}</div>
            </section>
        </Show>
    }
}
