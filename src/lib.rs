//! labday's citizen app: browse open-day activities, book a session, show and cancel a
//! booking. `main.rs` only mounts [`app::App`]; everything else lives here so tests share it.

pub mod api;
pub mod app;
pub mod components;
pub mod format;
pub mod i18n;
pub mod loaded;
pub mod pages;
pub mod staff;
pub mod store;
pub mod text;

/// Mounts the app on `<body>`.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
