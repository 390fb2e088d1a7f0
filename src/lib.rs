//! labday's citizen app: browse open-day activities, book a session, show and cancel a
//! booking. The binaries only mount [`app::shell`] with their routes; everything else lives here
//! so tests share it.

pub mod api;
pub mod app;
pub mod components;
pub mod format;
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
