//! The privacy notice beside every form that asks for a name and a phone: what is collected
//! and why, then how long it is kept, in the numbers the server is configured with
//! (`GET /api/v1/privacy`), so the sentence stays true whatever a deployment sets.

use crate::api;
use crate::i18n::{self, t, use_lang, Msg};
use crate::loaded::load;
use crate::text::maybe_text;
use leptos::prelude::*;

#[component]
pub fn PrivacyNotice(collected: Msg, retention: Msg) -> impl IntoView {
    let lang = use_lang();
    let notice = load(api::privacy);
    view! {
        <details class="privacy" open>
            <summary>{t(i18n::PRIVACY_TITLE)}</summary>
            <p>{t(collected)}</p>
            <p data-testid="retention">
                {maybe_text(move || {
                    notice.get().and_then(Result::ok).map(|n| n.fill(retention.get(lang.get())))
                })}
            </p>
        </details>
    }
}
