//! Moving keyboard and screen-reader focus, the same way on every page, and hiding what an
//! action made stale.

use wasm_bindgen::JsCast;

/// The element with this id, focusable.
fn element(id: &str) -> Option<web_sys::HtmlElement> {
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

/// Hides the element with this id: what an action made stale (a sample's details, once
/// erased).
pub fn hide(id: &str) {
    if let Some(el) = element(id) {
        el.set_hidden(true);
    }
}

/// Focuses the element with this id now.
pub fn focus(id: &str) {
    if let Some(el) = element(id) {
        let _ = el.focus();
    }
}

/// Focuses the element with this id once the view has updated (a new row, a heading that
/// has just appeared).
pub fn focus_soon(id: String) {
    leptos::prelude::set_timeout(move || focus(&id), std::time::Duration::from_millis(30));
}

/// Focuses the first control marked invalid (`aria-invalid="true"`) once the view has
/// updated: after a refused form, where its first error is.
pub fn focus_first_invalid() {
    leptos::prelude::set_timeout(
        || {
            let first = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.query_selector("[aria-invalid=\"true\"]").ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(el) = first {
                let _ = el.focus();
            }
        },
        std::time::Duration::from_millis(30),
    );
}
