//! One sample as its holder sees it: label to hand in, status, and once tested the result
//! with method, standard, re-tests and the screening notice. Opening it needs the last four
//! digits of the phone it was registered with (remembered on this device).

use crate::api;
use crate::components::sample::{SampleLabel, SampleResult};
use crate::i18n::{self, field_msg, t, use_lang};
use crate::loaded::{load, Loaded};
use crate::route::use_code_param;
use crate::store;
use crate::text::maybe_message;
use labday_domain::sample::{SampleLookup, SampleStatus};
use labday_domain::ApiError;
use leptos::prelude::*;

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
    let ask = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let lookup = SampleLookup {
            code: code(),
            phone_last4: typed.get_untracked(),
        };
        match lookup.validate() {
            Ok((_, digits)) => {
                error.set(None);
                last4.set(Some(digits));
            }
            Err(e) => error.set(
                e.fields
                    .values()
                    .next()
                    .map(|&c| field_msg(c).get(lang.get_untracked())),
            ),
        }
    };
    view! {
        <p><a href="/my" class="back">{t(i18n::BACK)}</a></p>
        <Loaded from=sample let:found>
            {match found {
                None => view! {
                    <h1>{t(i18n::FIND_SAMPLE)}</h1>
                    <form class="lookup" on:submit=ask novalidate>
                        <p>{t(i18n::FIND_SAMPLE_HINT)}</p>
                        <label for="lookup-last4">{t(i18n::LAST4)}</label>
                        <input id="lookup-last4" inputmode="numeric" maxlength="4" autocomplete="off"
                            bind:value=typed aria-describedby="lookup-last4-error"/>
                        <p class="field-error" id="lookup-last4-error">{maybe_message(move || error.get())}</p>
                        <button type="submit" class="primary">{t(i18n::FIND)}</button>
                    </form>
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
                    if let Some(digits) = last4.get_untracked() {
                        store::remember_sample(&code, &digits);
                    }
                    let handed_in = view.status != SampleStatus::Registered;
                    view! {
                        <h1>{t(i18n::SAMPLE_RESULT_TITLE)}</h1>
                        {(!handed_in).then(|| {
                            let label = view.clone();
                            view! { <ul class="labels"><SampleLabel sample=label/></ul> }
                        })}
                        <p class="code-line">{t(i18n::SAMPLE_CODE)}" "<strong data-testid="sample-code">{view.code.display()}</strong></p>
                        <SampleResult sample=view/>
                    }.into_any()
                }
            }}
        </Loaded>
    }
}
