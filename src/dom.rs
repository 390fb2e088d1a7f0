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

/// Moves focus to the new page's heading (or the main region) once it has rendered: after
/// a move to another page, so screen-reader and keyboard users start at the top of what
/// changed. A router may put the new page in place a moment later, taking the heading
/// focused first with the old page: focus is looked at again, and given to the heading
/// there when it was lost.
pub fn focus_page_heading_soon() {
    fn heading() {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let target = doc
            .query_selector("main h1")
            .ok()
            .flatten()
            .or_else(|| doc.get_element_by_id("main"));
        if let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            if !el.has_attribute("tabindex") {
                let _ = el.set_attribute("tabindex", "-1");
            }
            let _ = el.focus();
        }
    }
    fn lost() -> bool {
        let doc = web_sys::window().and_then(|w| w.document());
        doc.and_then(|d| d.active_element())
            .is_none_or(|e| e.tag_name() == "BODY")
    }
    leptos::prelude::set_timeout(heading, std::time::Duration::from_millis(60));
    for later in [250, 700] {
        leptos::prelude::set_timeout(
            || {
                if lost() {
                    heading();
                }
            },
            std::time::Duration::from_millis(later),
        );
    }
}

/// As [`focus_first_invalid`], in the form holding the element `id` only: a page of two
/// forms (find by code, find by number) sends the keyboard to the one that was refused,
/// not to an older mistake in the other.
pub fn focus_first_invalid_in_form_of(id: &'static str) {
    leptos::prelude::set_timeout(
        move || {
            let first = element(id)
                .and_then(|e| e.closest("form").ok().flatten())
                .and_then(|f| f.query_selector("[aria-invalid=\"true\"]").ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(el) = first {
                let _ = el.focus();
            }
        },
        std::time::Duration::from_millis(30),
    );
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
