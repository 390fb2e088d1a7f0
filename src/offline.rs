//! Offline tickets: the citizen's own bookings and samples open with no network. Each answer
//! about one of them (a lookup, a move, a registration) is kept on this device as its copy
//! (`store::keep_copy`, with the time it came); when the server cannot be reached, a lookup
//! answers from that copy and the page says so ([`OfflineNote`]: "离线 · 最后更新于 …").
//! A cancelled booking's copy goes, and so does the copy of a booking or sample the server
//! no longer knows (erased after the retention period).
//!
//! The pages themselves come from the service worker (`public/sw.js`), registered once this
//! device keeps a copy: it holds only each bundle's files, never an answer of the API, so
//! nothing personal is cached but the owner's own copies here.

use crate::http;
use crate::i18n::{self, use_lang};
use crate::store;
use labday_domain::{ApiError, ErrorCode};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// What a copy is of: its kind's lookup path, which also names its copies on the device.
pub const BOOKING: &str = "/bookings/lookup";
pub const SAMPLE: &str = "/samples/lookup";

#[wasm_bindgen]
extern "C" {
    /// `navigator.serviceWorker.register`; an error where the browser has none (an old
    /// WebView, a page not served over https).
    #[wasm_bindgen(js_namespace = ["navigator", "serviceWorker"], js_name = register, catch)]
    fn register_worker(url: &str) -> Result<js_sys::Promise, JsValue>;
}

thread_local! {
    /// When the oldest copy shown now was made (ms since the epoch), while copies are shown.
    static SHOWN_SINCE: ArcRwSignal<Option<i64>> = ArcRwSignal::new(None);
}

fn shown_since() -> ArcRwSignal<Option<i64>> {
    SHOWN_SINCE.with(Clone::clone)
}

/// What names the copy of the booking or sample `code` looked up with `who` (the phone, or
/// for a sample its last four digits): a lookup with another phone neither shows nor
/// deletes it.
pub fn copy_of(code: &str, who: &str) -> String {
    format!("{code}/{who}")
}

/// Keeps `text`, the server's answer about `code`, as its copy of `kind`, and makes sure the
/// service worker keeps the pages that show it.
pub fn keep(kind: &str, code: &str, text: &str) {
    store::keep_copy(kind, code, text);
    let _ = register_worker("/sw.js");
}

/// A request about the citizen's own `code` (of `kind`) whose answer becomes its copy.
pub async fn fresh<B: Serialize, T: DeserializeOwned>(
    kind: &str,
    code: &str,
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let text = http::post_text(path, body, None).await?;
    // Kept only once it reads as a `T`: a copy that cannot be read back would be shown
    // offline as an error.
    let found = http::parse(&text)?;
    keep(kind, code, &text);
    Ok(found)
}

/// Looks up the citizen's own `code` (of `kind`): the server's answer, kept as its copy; or,
/// when the server cannot be reached, the copy, noted as shown offline.
pub async fn lookup<B: Serialize, T: DeserializeOwned>(
    kind: &str,
    code: &str,
    body: &B,
) -> Result<T, ApiError> {
    match fresh(kind, code, kind, body).await {
        Ok(found) => {
            shown_since().set(None);
            Ok(found)
        }
        Err(e) if matches!(e.code, ErrorCode::Network | ErrorCode::Unavailable) => {
            let Some((at, text)) = store::kept_copy(kind, code) else {
                return Err(e);
            };
            shown_since().update(|since| *since = Some(since.map_or(at, |s| s.min(at))));
            http::parse(&text)
        }
        Err(e) => {
            if e.code == ErrorCode::NotFound {
                store::forget_copy(kind, code);
            }
            Err(e)
        }
    }
}

/// "离线 · 最后更新于 11月26日 周四 14:05" while a page shows copies, from the oldest one's time.
#[component]
pub fn OfflineNote() -> impl IntoView {
    let lang = use_lang();
    let since = shown_since();
    move || {
        since.get().map(|at| {
            let when = crate::format::moment(crate::format::venue_time(at), lang.get());
            let note = i18n::OFFLINE_NOTE.fill(lang.get(), &[("when", &when)]);
            view! { <p class="notice offline" role="status" data-testid="offline-note">{note}</p> }
        })
    }
}
