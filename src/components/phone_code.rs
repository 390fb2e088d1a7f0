//! The code that verifies a phone, on every form that asks for a phone when the server
//! verifies phones (`--verify-phones`, told by `GET /api/v1/privacy`): a button that texts
//! a code, and the field it is typed into. Without verification it shows nothing and
//! [`proof`] asks for nothing. A right code is exchanged for a token that this tab keeps
//! (session storage) until it expires, so a second booking within ten minutes needs no code.

use crate::api;
use crate::i18n::{self, field_msg, t, use_lang, Msg};
use crate::loaded::load;
use crate::text::{flag, maybe_message, maybe_text};
use labday_domain::phone_code::{PhoneCode, FIELD};
use labday_domain::{ApiError, ErrorCode, FieldCode, Phone};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;

const TOKEN_KEY: &str = "labday.phone-token";

fn tab_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The token this tab holds for `phone`, while it is good.
fn held_token(phone: &Phone) -> Option<String> {
    let raw = tab_storage()?.get_item(TOKEN_KEY).ok().flatten()?;
    let (digits, rest) = raw.split_once(' ')?;
    let (until, token) = rest.split_once(' ')?;
    // Whole milliseconds, read and written as integers: a float here would link the
    // float parser and printer (about 10 KB of wasm) into every citizen bundle.
    let good = digits == phone.as_str() && until.parse::<u64>().ok()? > now_ms();
    good.then(|| token.to_owned())
}

/// The browser's clock in whole milliseconds since the epoch.
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn hold_token(phone: &Phone, token: &str, secs: u32) {
    // A minute early: the server's clock decides, and a booking takes a moment.
    let until = now_ms() + u64::from(secs.saturating_sub(60)) * 1000;
    if let Some(s) = tab_storage() {
        let _ = s.set_item(TOKEN_KEY, &format!("{} {until} {token}", phone.as_str()));
    }
}

/// Forgets the held token (the server no longer takes it).
pub fn forget_token() {
    if let Some(s) = tab_storage() {
        let _ = s.remove_item(TOKEN_KEY);
    }
}

/// Whether the server verifies phones, as a signal for a view: false until it has said so.
pub fn verifying_now() -> impl Fn() -> bool + Copy + Send + Sync + 'static {
    let notice = load(api::privacy);
    move || {
        notice
            .get()
            .and_then(Result::ok)
            .is_some_and(|n| n.verify_phones)
    }
}

/// Whether the server verifies phones (false until it has said so).
pub async fn verifying() -> bool {
    api::privacy().await.is_ok_and(|p| p.verify_phones)
}

fn refused(field: &str, code: FieldCode) -> ApiError {
    ApiError::new(ErrorCode::Invalid, "").with_field(field, code)
}

/// What a form sends as `phone_token` for `phone`: nothing without verification; the token
/// this tab holds; else the typed `code` exchanged for one. An error names the field.
pub async fn proof(phone: &str, code: &str) -> Result<Option<String>, ApiError> {
    if !verifying().await {
        return Ok(None);
    }
    let phone = Phone::parse(phone).map_err(|c| refused("phone", c))?;
    if let Some(token) = held_token(&phone) {
        return Ok(Some(token));
    }
    let code = PhoneCode::parse(code).map_err(|c| refused(FIELD, c))?;
    let token = api::check_phone_code(phone.as_str(), code.as_str()).await?;
    hold_token(&phone, &token.token, token.expires_in_secs);
    Ok(Some(token.token))
}

/// After a refusal: a token the server no longer takes is forgotten.
pub fn settle(error: &ApiError) {
    if error.fields.get(FIELD) == Some(&FieldCode::PhoneCodeRequired) {
        forget_token();
    }
}

/// The code field and its "send code" button, shown only when the server verifies phones.
#[component]
pub fn PhoneCodeField(
    phone: RwSignal<String>,
    code: RwSignal<String>,
    errors: RwSignal<BTreeMap<String, FieldCode>>,
) -> impl IntoView {
    let lang = use_lang();
    let on = verifying_now();
    let sent = RwSignal::new(false);
    let waiting = RwSignal::new(false);
    let failed = RwSignal::new(None::<Msg>);
    let held = move || {
        Phone::parse(&phone.get())
            .ok()
            .and_then(|p| held_token(&p))
            .is_some()
    };
    let send = move |_| {
        let typed = phone.get_untracked();
        let set = |field: &str, c| {
            errors.update(|e| {
                e.insert(field.into(), c);
            })
        };
        // A fresh start for the form's errors (replacing the map, not removing from it,
        // keeps the B-tree's removal code out of the bundles).
        errors.set(BTreeMap::new());
        failed.set(None);
        let p = match Phone::parse(&typed) {
            Ok(p) => p,
            Err(c) => {
                // Where the mistake is, read out with its message.
                set("phone", c);
                return crate::dom::focus_first_invalid_in_form_of("send-code");
            }
        };
        waiting.set(true);
        spawn_local(async move {
            let answer =
                api::request_phone_code(p.as_str(), lang.get_untracked().of_messages()).await;
            match answer {
                Ok(sent_code) => {
                    sent.set(true);
                    let wait = u64::from(sent_code.resend_after_secs);
                    set_timeout(
                        move || waiting.set(false),
                        std::time::Duration::from_secs(wait),
                    );
                    crate::dom::focus(FIELD);
                }
                Err(e) => {
                    waiting.set(false);
                    // A refusal names its field (too soon, a limit reached); anything else
                    // (no network, the server busy) is worded as itself, not as a limit.
                    match e.fields.values().next().copied() {
                        Some(c) => errors.update(|all| {
                            all.insert(FIELD.into(), c);
                        }),
                        None => failed.set(Some(match e.code {
                            // Verification switched off since the page loaded.
                            ErrorCode::NotFound => i18n::ERR_INTERNAL,
                            other => i18n::error_msg(other),
                        })),
                    }
                }
            }
        });
    };
    let error = move || {
        errors
            .with(|e| e.get(FIELD).map(|&c| field_msg(c)))
            .or_else(|| failed.get())
            .map(|m| m.get(lang.get()))
    };
    view! {
        <Show when=flag(on)>
            <Show when=flag(move || !held()) fallback=move || view! { <p class="small">{t(i18n::PHONE_VERIFIED)}</p> }>
                <label for="phone_code">{t(i18n::PHONE_CODE)}</label>
                <div class="code-row">
                    <input id="phone_code" name="phone_code" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
                        bind:value=code aria-invalid=move || error().is_some().to_string() aria-describedby="phone_code-error"/>
                    <button type="button" class="secondary" id="send-code" on:click=send disabled=flag(move || waiting.get())>
                        {t(i18n::SEND_CODE)}
                    </button>
                </div>
                <p class="small" role="status">{maybe_text(move || sent.get().then(|| i18n::CODE_SENT.get(lang.get()).to_owned()))}</p>
                <p class="field-error" id="phone_code-error" role="alert">{maybe_message(error)}</p>
            </Show>
        </Show>
    }
}
