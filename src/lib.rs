//! labday's front end, compiled to WebAssembly: the citizen app in three bundles (browse
//! activities; book a session, show and cancel a booking; register vegetable samples and look
//! up a result), each a binary that mounts [`app::shell`] with its routes, and the staff
//! console ([`staff`], its own bundle). Everything lives here so the binaries and the tests
//! share it; a bundle links only what its routes reach.
//!
//! Shared plumbing, written once: [`http`] (every request), [`loaded`] (an answer and its
//! loading and error states), [`route`] (the citizen router and the typed `:id`), [`i18n`]
//! (the citizen's messages; the console's are `staff::i18n`).

pub mod api;
pub mod app;
pub mod components;
pub mod dom;
pub mod format;
pub mod http;
pub mod i18n;
pub mod loaded;
pub mod pages;
pub mod route;
pub mod staff;
pub mod store;
pub mod text;

/// Mounts the app shell with one bundle's routes ([`app::browse`], [`app::book`] or
/// [`app::samples`]) on `<body>`.
pub fn mount<R: leptos::prelude::IntoView + 'static>(routes: fn() -> R) {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(move || app::shell(routes));
}
