//! Loading and error states every page shows the same way. Errors are announced to
//! screen readers and offer a retry where one makes sense.

use crate::i18n::{self, error_msg, t, Msg};
use labday_domain::{ApiError, ErrorCode};
use leptos::prelude::*;

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status" aria-live="polite">{t(i18n::LOADING)}</p> }
}

/// An error from the API in the reader's language, with an optional retry.
#[component]
pub fn ErrorPanel(
    error: ApiError,
    #[prop(optional, into)] retry: Option<Callback<()>>,
    #[prop(default = error_msg)] messages: fn(ErrorCode) -> Msg,
) -> impl IntoView {
    let msg = messages(error.code);
    view! {
        <div class="error" role="alert">
            <p>{t(msg)}</p>
            {retry.map(|retry| view! {
                <button type="button" on:click=move |_| retry.run(())>{t(i18n::RETRY)}</button>
            })}
        </div>
    }
}

/// Where a failed request is announced (`role="alert"`) in the reader's language, in the
/// words `messages` gives its code. With `fields_beside`, an `invalid` failure shows nothing
/// here: its messages stand beside the fields.
#[component]
pub fn FailureAlert(
    failure: RwSignal<Option<ApiError>>,
    #[prop(default = error_msg)] messages: fn(ErrorCode) -> Msg,
    #[prop(optional)] fields_beside: bool,
) -> impl IntoView {
    view! {
        <div aria-live="assertive">
            {move || failure.get().filter(|e| !(fields_beside && e.code == ErrorCode::Invalid)).map(|e| {
                let msg = messages(e.code);
                view! { <p class="error" role="alert">{t(msg)}</p> }
            })}
        </div>
    }
}
