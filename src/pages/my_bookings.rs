//! "My bookings": the bookings and vegetable samples made on this device with their live
//! status, and forms to find one made elsewhere (booking: code and mobile number; sample:
//! code and the number's last four digits).

use crate::api;
use crate::components::sample;
use crate::components::status::FailureAlert;
use crate::format;
use crate::i18n::{self, field_msg, t, use_lang};
use crate::loaded::{load, Loaded};
use crate::route;
use crate::store::{self, RememberedBooking, RememberedSample};
use crate::text::{maybe_message, text};
use labday_domain::booking::BookingCode;
use labday_domain::sample::SampleLookup;
use labday_domain::{ApiError, FieldCode, Phone};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn MyBookingsPage() -> impl IntoView {
    crate::title::use_title(i18n::MY_TITLE);
    let remembered = store::remembered_bookings();
    let empty = remembered.is_empty();
    view! {
        <h1>{t(i18n::MY_TITLE)}</h1>
        <p class="small">{t(i18n::MY_DEVICE_NOTE)}</p>
        {if empty {
            view! { <p class="empty">{t(i18n::MY_EMPTY)}</p> }.into_any()
        } else {
            view! {
                <ul class="cards">
                    {remembered.into_iter().map(|b| view! { <RememberedItem booking=b/> }).collect_view()}
                </ul>
            }.into_any()
        }}
        <FindBooking/>
        <crate::components::find_by_phone::FindByPhone/>
        <MySamples/>
    }
}

/// Samples registered on this device with their live status, and a lookup by code and the
/// last four digits of the phone.
#[component]
fn MySamples() -> impl IntoView {
    let lang = use_lang();
    let remembered = store::remembered_samples();
    let code = RwSignal::new(String::new());
    let last4 = RwSignal::new(String::new());
    let errors = RwSignal::new(std::collections::BTreeMap::<String, FieldCode>::new());
    let failure = RwSignal::new(None::<ApiError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let lookup = SampleLookup {
            code: code.get_untracked(),
            phone_last4: last4.get_untracked(),
        };
        let (c, digits) = match lookup.validate() {
            Ok(ok) => ok,
            Err(e) => {
                // Focus on the first field in error: its message is read out with it.
                let first = if e.fields.contains_key("code") {
                    "sample-code"
                } else {
                    "sample-last4"
                };
                errors.set(e.fields);
                crate::dom::focus(first);
                return;
            }
        };
        errors.set(Default::default());
        spawn_local(async move {
            match api::find_sample_card(c.as_str(), &digits).await {
                Ok(view) => {
                    store::remember_sample(view.code.as_str(), &digits);
                    route::navigate(&format!("/samples/{}", view.code.as_str()));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let err_for = move |field: &'static str| {
        maybe_message(move || errors.with(|e| e.get(field).map(|&c| field_msg(c).get(lang.get()))))
    };
    view! {
        <section class="find">
            <h2>{t(i18n::MY_SAMPLES)}</h2>
            {(!remembered.is_empty()).then(|| view! {
                <ul class="cards">
                    {remembered.into_iter().map(|s| view! { <RememberedSampleItem sample=s/> }).collect_view()}
                </ul>
            })}
            <h3>{t(i18n::FIND_SAMPLE)}</h3>
            <p class="small">{t(i18n::FIND_SAMPLE_HINT)}</p>
            <form on:submit=submit novalidate>
                <label for="sample-code">{t(i18n::SAMPLE_CODE)}</label>
                <input id="sample-code" autocomplete="off" autocapitalize="characters" bind:value=code aria-describedby="sample-code-error"
                    aria-invalid=text(move || errors.with(|e| e.contains_key("code")).to_string())/>
                <p class="field-error" id="sample-code-error">{err_for("code")}</p>
                <label for="sample-last4">{t(i18n::LAST4)}</label>
                <input id="sample-last4" inputmode="numeric" maxlength="4" autocomplete="off" bind:value=last4 aria-describedby="sample-last4-error"
                    aria-invalid=text(move || errors.with(|e| e.contains_key("phone_last4")).to_string())/>
                <p class="field-error" id="sample-last4-error">{err_for("phone_last4")}</p>
                <FailureAlert failure=failure messages=i18n::sample_error_msg/>
                <button type="submit" class="primary">{t(i18n::FIND)}</button>
            </form>
        </section>
    }
}

/// A card for something remembered on this device: its code (grouped for reading when it
/// is a well-formed code) linking to its page (`pages` followed by the code), over its live
/// state.
#[component]
fn RememberedCard<T: IntoView + 'static>(
    pages: &'static str,
    code: String,
    children: TypedChildren<T>,
) -> impl IntoView {
    let href = format!("{pages}{code}");
    let shown = BookingCode::parse(&code)
        .map(|c| c.display())
        .unwrap_or(code);
    view! {
        <li class="card">
            <a href=href class="card-link">
                <p class="code">{shown}</p>
                {children.into_inner()()}
            </a>
        </li>
    }
}

#[component]
fn RememberedSampleItem(sample: RememberedSample) -> impl IntoView {
    let lang = use_lang();
    let code = sample.code.clone();
    let s = StoredValue::new(sample);
    let live = load(move || {
        let s = s.get_value();
        async move { api::find_sample_card(&s.code, &s.last4).await }
    });
    view! {
        <RememberedCard pages="/samples/" code>
            <Loaded from=live inline=true messages=i18n::sample_error_msg let:v>
                {
                    let l = lang.get();
                    let verdict = v.judgement.map(|j| format!(" · {}", sample::judgement_msg(j).get(l)));
                    view! {
                        <h2>{v.variety.name.get(l.code()).to_owned()}</h2>
                        <p class="meta">{format!("{} · {}", v.session_title.get(l.code()), format::moment(v.session_starts_at, l))}</p>
                        <p class="status">{sample::status_msg(v.status).get(l)}{verdict}</p>
                    }
                }
            </Loaded>
        </RememberedCard>
    }
}

#[component]
fn RememberedItem(booking: RememberedBooking) -> impl IntoView {
    let lang = use_lang();
    let code = booking.code.clone();
    let b = StoredValue::new(booking);
    let live = load(move || {
        let b = b.get_value();
        async move { api::find_booking(&b.code, &b.phone).await }
    });
    view! {
        <RememberedCard pages="/bookings/" code>
            <Loaded from=live inline=true let:v>
                {
                    let l = lang.get();
                    view! {
                        <h2>{v.session.activity_title.get(l.code()).to_owned()}</h2>
                        <p class="meta">{format!("{} · {}", v.session.title.get(l.code()), format::slot(v.session.starts_at, v.session.ends_at, l))}</p>
                        <p class=format!("status {}", v.status.as_str())>{format::status_msg(v.status).get(l)}</p>
                    }
                }
            </Loaded>
        </RememberedCard>
    }
}

#[component]
fn FindBooking() -> impl IntoView {
    let lang = use_lang();
    let code = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let field_error = RwSignal::new(None::<(&'static str, FieldCode)>);
    let failure = RwSignal::new(None::<ApiError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        failure.set(None);
        let parsed = match (
            BookingCode::parse(&code.get_untracked()),
            Phone::parse(&phone.get_untracked()),
        ) {
            (Err(c), _) => Err(("code", c)),
            (_, Err(c)) => Err(("phone", c)),
            (Ok(c), Ok(p)) => Ok((c, p)),
        };
        let (c, p) = match parsed {
            Ok(ok) => ok,
            Err(e) => {
                field_error.set(Some(e));
                crate::dom::focus(if e.0 == "code" {
                    "find-code"
                } else {
                    "find-phone"
                });
                return;
            }
        };
        field_error.set(None);
        spawn_local(async move {
            match api::find_booking(c.as_str(), p.as_str()).await {
                Ok(view) => {
                    store::remember_booking(view.code.as_str(), p.as_str());
                    route::navigate(&format!("/bookings/{}", view.code.as_str()));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let err_for = move |field: &'static str| {
        maybe_message(move || {
            field_error
                .get()
                .filter(|(f, _)| *f == field)
                .map(|(_, c)| field_msg(c).get(lang.get()))
        })
    };
    view! {
        <section class="find">
            <h2>{t(i18n::FIND_TITLE)}</h2>
            <p class="small">{t(i18n::FIND_HINT)}</p>
            <form on:submit=submit novalidate>
                <label for="find-code">{t(i18n::BOOKING_CODE)}</label>
                <input id="find-code" autocomplete="off" autocapitalize="characters" bind:value=code aria-describedby="find-code-error"
                    aria-invalid=text(move || field_error.get().is_some_and(|(f, _)| f == "code").to_string())/>
                <p class="field-error" id="find-code-error">{err_for("code")}</p>
                <label for="find-phone">{t(i18n::PHONE)}</label>
                <input id="find-phone" type="tel" inputmode="numeric" autocomplete="tel" bind:value=phone aria-describedby="find-phone-error"
                    aria-invalid=text(move || field_error.get().is_some_and(|(f, _)| f == "phone").to_string())/>
                <p class="field-error" id="find-phone-error">{err_for("phone")}</p>
                <FailureAlert failure=failure/>
                <button type="submit" class="primary">{t(i18n::FIND)}</button>
            </form>
        </section>
    }
}
