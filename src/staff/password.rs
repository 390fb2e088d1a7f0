//! Staff change their own password here, and must before anything else after an organiser
//! created their account or reset its password: while `me` says so (the server answers `password_change_required` to every
//! other call), the console shows only this form.

use crate::i18n::t;
use crate::staff::api;
use crate::staff::form::{send, Failure, FormAlert, Input};
use crate::staff::i18n as s;
use crate::staff::Me;
use labday_domain::staff::PasswordChange;
use leptos::prelude::*;

/// `/staff/password`: any signed-in staff member.
#[component]
pub fn PasswordPage() -> impl IntoView {
    crate::title::use_title(s::PASSWORD_TITLE);
    view! {
        <p><a href="/staff/" class="back">{t(crate::i18n::BACK)}</a></p>
        <h1>{t(s::PASSWORD_TITLE)}</h1>
        <PasswordForm/>
    }
}

/// All the console shows while a password an organiser chose waits to be changed.
#[component]
pub fn ForcedPasswordChange() -> impl IntoView {
    crate::title::use_title(s::PASSWORD_TITLE);
    view! {
        <h1>{t(s::PASSWORD_TITLE)}</h1>
        <p class="notice">{t(s::PASSWORD_FORCED)}</p>
        <PasswordForm/>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let me = expect_context::<Me>();
    let current = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let failure: Failure = RwSignal::new(None);
    let changed = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        changed.set(false);
        let (now, chosen) = (current.get_untracked(), password.get_untracked());
        let request = async move {
            let change = PasswordChange {
                current: now,
                password: chosen,
            };
            api::change_own_password(&change).await
        };
        send(busy, failure, request, move |staff| {
            current.set(String::new());
            password.set(String::new());
            changed.set(true);
            // Ends the forced change: the console opens again.
            me.set(Some(staff));
        });
    };
    view! {
        <form class="booking-form console-form" on:submit=submit novalidate>
            <Input id="password-current" label=s::CURRENT_PASSWORD key="current" value=current failure=failure kind="password" autocomplete="current-password"/>
            <Input id="password-new" label=s::CHOSEN_PASSWORD key="password" value=password failure=failure kind="password" autocomplete="new-password"/>
            <FormAlert failure=failure shown=&["current", "password"]/>
            <p role="status" aria-live="polite">{move || changed.get().then(|| t(s::PASSWORD_CHANGED)())}</p>
            <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>{t(s::CHANGE_PASSWORD)}</button>
        </form>
    }
}
