//! One citizen write (a booking, a sample registration), its form's state while it goes
//! (busy, the last refusal), and its retries. The attempt keeps one Idempotency-Key until
//! the server gives a definitive answer, so a retry after a lost answer can never book or
//! register twice, and a corrected request after a refusal is a new attempt. The phone's proof (when the server verifies phones) is fetched first and
//! forgotten when the server no longer takes it.

use crate::components::phone_code;
use labday_domain::{ApiError, ErrorCode, FieldCode};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use std::future::Future;

/// A form's write: the key of the attempt being made, whether it is on its way (the form's
/// button says so), and what refused it last (the form's alert shows it).
#[derive(Clone, Copy)]
pub struct Attempt {
    key: StoredValue<String>,
    pub busy: RwSignal<bool>,
    pub failure: RwSignal<Option<ApiError>>,
}

impl Attempt {
    pub fn new() -> Attempt {
        Attempt {
            key: StoredValue::new(new_key()),
            busy: RwSignal::new(false),
            failure: RwSignal::new(None),
        }
    }

    /// Whether the form may send: nothing on its way. The last refusal is cleared, as the
    /// form is about to be checked again.
    pub fn ready(self) -> bool {
        if self.busy.get_untracked() {
            return false;
        }
        self.failure.set(None);
        true
    }

    /// [`Attempt::send`] in the background, busy meanwhile: the answer goes to `done`; a
    /// refusal to the form's alert, and, when it names fields, to `invalid` first.
    pub fn submit<T: 'static, Sent>(
        self,
        phone: String,
        code: String,
        send: impl FnOnce(Option<String>, String) -> Sent + 'static,
        done: impl FnOnce(T) + 'static,
        invalid: impl FnOnce(&BTreeMap<String, FieldCode>) + 'static,
    ) where
        Sent: Future<Output = Result<T, ApiError>> + 'static,
    {
        self.busy.set(true);
        spawn_local(async move {
            let result = self.send(&phone, &code, send).await;
            self.busy.set(false);
            match result {
                Ok(answer) => done(answer),
                Err(e) => {
                    if e.code == ErrorCode::Invalid {
                        invalid(&e.fields);
                    }
                    self.failure.set(Some(e));
                }
            }
        });
    }

    /// Proves `phone` (with the typed `code` if needed), then `send(proof, key)`. After a
    /// refusal that is not about a field, nor a failure to reach the server, the next send
    /// is a new attempt with a new key.
    pub async fn send<T, Sent>(
        self,
        phone: &str,
        code: &str,
        send: impl FnOnce(Option<String>, String) -> Sent,
    ) -> Result<T, ApiError>
    where
        Sent: Future<Output = Result<T, ApiError>>,
    {
        let result = match phone_code::proof(phone, code).await {
            Ok(proof) => send(proof, self.key.get_value()).await,
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            phone_code::settle(e);
            if !matches!(
                e.code,
                ErrorCode::Invalid | ErrorCode::Network | ErrorCode::Unavailable
            ) {
                self.key.set_value(new_key());
            }
        }
        result
    }
}

impl Default for Attempt {
    fn default() -> Attempt {
        Attempt::new()
    }
}

/// A fresh key: the time and 64 random bits.
pub(crate) fn new_key() -> String {
    let a = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let b = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let t = js_sys::Date::now() as u64;
    format!("{t:x}-{a:08x}{b:08x}")
}
