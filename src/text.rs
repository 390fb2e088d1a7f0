//! Reactive text for views and attributes: `{text(move || format!(..))}` re-renders when
//! the signals it reads change, exactly like the bare closure would.
//!
//! Why wrap: every closure is a type of its own, and tachys compiles its render effect (the
//! build and rebuild of a text node or an attribute) afresh for each one. Behind one boxed
//! type per kind of value (`erase::<T>`) that code is compiled once for the whole app, which
//! keeps the WebAssembly small.

use std::sync::Arc;

/// The one closure type behind which every reactive value of type `T` is rendered.
fn erase<T: 'static>(
    f: Arc<dyn Fn() -> T + Send + Sync>,
) -> impl Fn() -> T + Clone + Send + Sync + 'static {
    move || f()
}

/// Text that follows signals.
pub fn text(
    f: impl Fn() -> String + Send + Sync + 'static,
) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    erase(Arc::new(f))
}

/// Text that follows signals and may be absent (nothing is rendered then).
pub fn maybe_text(
    f: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl Fn() -> Option<String> + Clone + Send + Sync + 'static {
    erase(Arc::new(f))
}

/// A fixed message chosen by signals (`&'static str`: no allocation per change).
pub fn message(
    f: impl Fn() -> &'static str + Send + Sync + 'static,
) -> impl Fn() -> &'static str + Clone + Send + Sync + 'static {
    erase(Arc::new(f))
}

/// A fixed message chosen by signals, or nothing.
pub fn maybe_message(
    f: impl Fn() -> Option<&'static str> + Send + Sync + 'static,
) -> impl Fn() -> Option<&'static str> + Clone + Send + Sync + 'static {
    erase(Arc::new(f))
}

/// A yes/no that follows signals (`disabled=`, `<Show when=`).
pub fn flag(
    f: impl Fn() -> bool + Send + Sync + 'static,
) -> impl Fn() -> bool + Clone + Send + Sync + 'static {
    erase(Arc::new(f))
}
