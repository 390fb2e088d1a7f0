//! Staff sign-in. Wrong details and the pause after repeated failures come back as errors
//! from the server and are shown in the reader's language.

use crate::api;
use crate::components::status::FailureAlert;
use crate::i18n::{error_msg, t, Msg};
use crate::staff::i18n as s;
use crate::staff::Me;
use labday_domain::{ApiError, ErrorCode};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Wrong details read as such; every other failure in its usual words.
fn sign_in_msg(code: ErrorCode) -> Msg {
    if code == ErrorCode::Unauthorized {
        s::SIGN_IN_FAILED
    } else {
        error_msg(code)
    }
}

#[component]
pub fn SignInPage() -> impl IntoView {
    crate::title::use_title(s::STAFF_SIGN_IN);
    let me = expect_context::<Me>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        let (u, p) = (username.get_untracked(), password.get_untracked());
        spawn_local(async move {
            match api::staff_sign_in(&u, &p).await {
                Ok(staff) => me.set(Some(staff)),
                Err(e) => {
                    password.set(String::new());
                    failure.set(Some(e));
                }
            }
            busy.set(false);
        });
    };
    view! {
        <h1>{t(s::STAFF_SIGN_IN)}</h1>
        <form class="booking-form" on:submit=submit>
            <label for="username">{t(s::USERNAME)}</label>
            <input id="username" autocomplete="username" autocapitalize="none" bind:value=username required/>
            <label for="password">{t(s::PASSWORD)}</label>
            <input id="password" type="password" autocomplete="current-password" bind:value=password required/>
            <FailureAlert failure=failure messages=sign_in_msg/>
            <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>{t(s::SIGN_IN)}</button>
        </form>
    }
}
