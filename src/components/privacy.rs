//! The privacy notice beside every form that asks for a name and a phone: what is collected
//! and why, then how long it is kept, in the numbers the server is configured with
//! (`GET /api/v1/privacy`), so the sentence stays true whatever a deployment sets; and
//! whether text messages are sent at all.

use crate::api;
use crate::format;
use crate::i18n::{self, t, use_lang, Lang, Msg};
use crate::loaded::load;
use crate::text::maybe_text;
use labday_domain::privacy::PrivacyNotice as Notice;
use leptos::prelude::*;

/// `also`: one sentence more that the server's numbers make (the booking form's no-show
/// rule), a function so that a form without it carries none of its words.
#[component]
pub fn PrivacyNotice(
    collected: Msg,
    retention: Msg,
    #[prop(optional)] also: Option<fn(&Notice, Lang) -> Option<String>>,
) -> impl IntoView {
    let lang = use_lang();
    let notice = load(api::privacy);
    view! {
        <details class="privacy" open>
            <summary>{t(i18n::PRIVACY_TITLE)}</summary>
            <p>{t(collected)}</p>
            <p data-testid="retention">
                {maybe_text(move || {
                    notice.get().and_then(Result::ok).map(|n| {
                        let l = lang.get();
                        retention.fill(l, &[("retention", &format::days(n.retention_days, l))])
                    })
                })}
            </p>
            {also.map(|also| view! {
                <p data-testid="privacy-also">
                    {maybe_text(move || also(&notice.get()?.ok()?, lang.get()))}
                </p>
            })}
            <TextMessageNote/>
        </details>
    }
}

/// Whether this deployment texts citizens, in one sentence: with no SMS provider, the app
/// says that no message will be sent.
#[component]
pub fn TextMessageNote() -> impl IntoView {
    let lang = use_lang();
    let notice = load(api::privacy);
    view! {
        <p class="small" data-testid="text-messages">
            {maybe_text(move || {
                notice.get().and_then(Result::ok).map(|n| {
                    let said = if n.text_messages { i18n::TEXTS_ON } else { i18n::TEXTS_OFF };
                    said.get(lang.get()).to_owned()
                })
            })}
        </p>
    }
}
