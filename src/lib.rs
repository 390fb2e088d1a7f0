//! labday's front end, compiled to WebAssembly: the citizen app in three bundles (browse
//! activities; book a session, show and cancel a booking; register vegetable samples and look
//! up a result), each a binary that mounts [`app::shell`] with its routes, and the staff
//! console ([`staff`], its own bundle). Everything lives here so the binaries and the tests
//! share it; a bundle links only what its routes reach.
//!
//! Shared plumbing, written once: [`http`] (every request, read by [`json`]), [`loaded`] (an answer and its
//! loading and error states), [`route`] (the citizen router and the typed `:id`), [`i18n`]
//! (the citizen's messages; the console's are `staff::i18n`), [`title`] (each page's
//! document title).

pub mod api;
pub mod app;
pub mod attempt;
pub mod components;
pub mod dom;
pub mod format;
pub mod http;
pub mod i18n;
pub mod json;
pub mod loaded;
pub mod offline;
pub mod pages;
pub mod route;
pub mod staff;
pub mod store;
pub mod text;
pub mod title;

/// Talc instead of the standard library's dlmalloc: the same job in fewer bytes of every
/// bundle (single-threaded WebAssembly, memory grown as needed).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Every bundle's panics: the message and place in the browser's console (which adds the
/// stack), in fewer bytes than `console_error_panic_hook`.
pub fn report_panics() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into())
    }));
}

/// Mounts the app shell with one bundle's routes ([`app::browse`], [`app::book`] or
/// [`app::samples`]) on `<body>`.
pub fn mount<R: leptos::prelude::IntoView + 'static>(routes: fn() -> R) {
    report_panics();
    leptos::mount::mount_to_body(move || app::shell(routes));
}
