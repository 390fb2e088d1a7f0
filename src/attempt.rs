//! One citizen write (a booking, a sample registration) and its retries. The attempt keeps
//! one Idempotency-Key until the server gives a definitive answer, so a retry after a lost
//! answer can never book or register twice, and a corrected request after a refusal is a
//! new attempt. The phone's proof (when the server verifies phones) is fetched first and
//! forgotten when the server no longer takes it.

use crate::components::phone_code;
use labday_domain::{ApiError, ErrorCode};
use leptos::prelude::*;
use std::future::Future;

/// The key of the attempt being made.
#[derive(Clone, Copy)]
pub struct Attempt(StoredValue<String>);

impl Attempt {
    pub fn new() -> Attempt {
        Attempt(StoredValue::new(new_key()))
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
            Ok(proof) => send(proof, self.0.get_value()).await,
            Err(e) => Err(e),
        };
        if let Err(e) = &result {
            phone_code::settle(e);
            if !matches!(
                e.code,
                ErrorCode::Invalid | ErrorCode::Network | ErrorCode::Unavailable
            ) {
                self.0.set_value(new_key());
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
fn new_key() -> String {
    let a = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let b = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let t = js_sys::Date::now() as u64;
    format!("{t:x}-{a:08x}{b:08x}")
}
