//! One sample as its holder sees it: label to hand in, status, and once tested the result
//! with method, standard, re-tests and the screening notice. Opening it needs the last four
//! digits of the phone it was registered with (remembered on this device). Its holder may
//! erase their details from it, with the whole number, before hand-in or once the lab is
//! done with it (`can_erase`).

use crate::api;
use crate::components::sample::{SampleLabel, SampleResult};
use crate::i18n::{self, field_msg, t, use_lang, Msg};
use crate::loaded::{load, Loaded};
use crate::route::use_code_param;
use crate::store;
use crate::text::maybe_message;
use labday_domain::sample::{parse_last4, SampleStatus};
use labday_domain::{ApiError, ErrorCode, Phone};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The id of what the page shows of the sample: hidden once its details are erased.
const DETAILS: &str = "sample-details";

#[component]
pub fn SamplePage() -> impl IntoView {
    crate::title::use_title(i18n::SAMPLE_RESULT_TITLE);
    let lang = use_lang();
    let code = use_code_param();
    let last4 = RwSignal::new(store::last4_for(&code()));
    let sample = load(move || {
        let code = code();
        let last4 = last4.get();
        // A failed lookup is an answer this page words itself (what to check, look again).
        async move {
            Ok::<_, ApiError>(match last4 {
                Some(last4) => Some(api::find_sample(&code, &last4).await),
                None => None,
            })
        }
    });
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let ask = move |()| match parse_last4(&typed.get_untracked()) {
        Ok(digits) => {
            error.set(None);
            last4.set(Some(digits));
        }
        Err(c) => error.set(Some(field_msg(c).get(lang.get_untracked()))),
    };
    view! {
        <p><a href="/my" class="back">{t(i18n::BACK)}</a></p>
        <Loaded from=sample let:found>
            {match found {
                None => view! {
                    <h1>{t(i18n::FIND_SAMPLE)}</h1>
                    <NumberForm id="lookup-last4" hint=i18n::FIND_SAMPLE_HINT label=i18n::LAST4 whole=false
                        button=i18n::FIND typed error submit=Callback::new(ask)/>
                }.into_any(),
                Some(Err(e)) => view! {
                    <h1>{t(i18n::SAMPLE_RESULT_TITLE)}</h1>
                    {
                        let msg = i18n::sample_error_msg(e.code);
                        view! { <p class="error" role="alert">{t(msg)}</p> }
                    }
                    <p><button type="button" class="secondary" on:click=move |_| last4.set(None)>{t(i18n::FIND_SAMPLE)}</button></p>
                }.into_any(),
                Some(Ok(view)) => {
                    let code = view.code.as_str().to_owned();
                    let digits = last4.get_untracked().unwrap_or_default();
                    store::remember_sample(&code, &digits);
                    // Its label only while it may still be handed in (its session not
                    // cancelled).
                    let awaited = view.status == SampleStatus::Registered;
                    let handed_in = !awaited && view.status != SampleStatus::SessionCancelled;
                    let erasable = view.can_erase;
                    view! {
                        <div id=DETAILS>
                            <h1>{t(i18n::SAMPLE_RESULT_TITLE)}</h1>
                            {awaited.then(|| {
                                let label = view.clone();
                                view! { <ul class="labels"><SampleLabel sample=label/></ul> }
                            })}
                            <p class="code-line">{t(i18n::SAMPLE_CODE)}" "<strong data-testid="sample-code">{view.code.display()}</strong></p>
                            <SampleResult sample=view.clone()/>
                        </div>
                        {if erasable {
                            view! { <EraseSample code=code.clone() last4=digits.clone()/> }.into_any()
                        } else if handed_in {
                            view! { <p class="small">{t(i18n::ERR_STILL_TESTING)}</p> }.into_any()
                        } else {
                            ().into_any()
                        }}
                    }.into_any()
                }
            }}
        </Loaded>
    }
}

/// Erasing the holder's details now: behind its own disclosure, and only with the whole
/// number the sample was registered with (the page was opened with its last four digits).
/// Once done, it says so in its place, and the sample's details above it go.
#[component]
fn EraseSample(code: String, last4: String) -> impl IntoView {
    let erased = RwSignal::new(false);
    let lang = use_lang();
    let typed = RwSignal::new(String::new());
    let error = RwSignal::new(None::<&'static str>);
    let (code, last4) = (StoredValue::new(code), StoredValue::new(last4));
    let erase = move |()| {
        let l = lang.get_untracked();
        let phone = match Phone::parse(&typed.get_untracked()) {
            Ok(phone) => phone,
            Err(c) => return error.set(Some(field_msg(c).get(l))),
        };
        error.set(None);
        spawn_local(async move {
            let (code, last4) = (code.get_value(), last4.get_value());
            match api::erase_sample(&code, phone.as_str(), &last4).await {
                Ok(()) => {
                    crate::dom::hide(DETAILS);
                    erased.set(true);
                }
                Err(e) if e.code == ErrorCode::NotFound => {
                    error.set(Some(i18n::ERR_SAMPLE_PHONE.get(l)))
                }
                Err(e) => error.set(Some(i18n::error_msg(e.code).get(l))),
            }
        });
    };
    move || {
        if erased.get() {
            view! {
                <div role="status" data-testid="sample-erased">
                    <h1>{t(i18n::ERASED_TITLE)}</h1>
                    <p>{t(i18n::SAMPLE_ERASED_TEXT)}</p>
                </div>
            }
            .into_any()
        } else {
            view! {
                <details class="erase">
                    <summary>{t(i18n::ERASE_TITLE)}</summary>
                    <NumberForm id="erase-phone" hint=i18n::SAMPLE_ERASE_HINT label=i18n::PHONE whole=true
                        button=i18n::ERASE_YES typed error submit=Callback::new(erase)/>
                </details>
            }
            .into_any()
        }
    }
}

/// A form asking for a number: the whole phone number (to erase a sample's details) or its
/// last four digits (to look it up), with its hint, the error beside it and the button. One
/// form for both keeps one copy of its code in the bundle.
#[component]
fn NumberForm(
    id: &'static str,
    hint: Msg,
    label: Msg,
    whole: bool,
    button: Msg,
    typed: RwSignal<String>,
    error: RwSignal<Option<&'static str>>,
    submit: Callback<()>,
) -> impl IntoView {
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(());
    };
    view! {
        <form class="lookup" on:submit=on_submit novalidate>
            <p class="small" id=format!("{id}-hint")>{t(hint)}</p>
            <label for=id>{t(label)}</label>
            <input id=id type=if whole { "tel" } else { "text" } inputmode="numeric"
                maxlength=if whole { "20" } else { "4" } autocomplete=if whole { "tel" } else { "off" }
                bind:value=typed aria-describedby=format!("{id}-hint {id}-error")/>
            <p class="field-error" id=format!("{id}-error") role="alert">{maybe_message(move || error.get())}</p>
            <button type="submit" class=if whole { "danger" } else { "primary" }>{t(button)}</button>
        </form>
    }
}
