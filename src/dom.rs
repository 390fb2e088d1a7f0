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

fn page_heading() -> Option<web_sys::Element> {
    let doc = web_sys::window()?.document()?;
    doc.query_selector("main h1").ok().flatten()
}

/// Focuses `el`, focusable or not.
fn focus_element(el: web_sys::Element) {
    if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
        if !el.has_attribute("tabindex") {
            let _ = el.set_attribute("tabindex", "-1");
        }
        let _ = el.focus();
    }
}

/// Moves focus to the new page's heading (or the main region) once it has rendered: after
/// a move to another page, so screen-reader and keyboard users start at the top of what
/// changed. For a router that puts the new page in place as the address changes (the
/// citizen app's).
pub fn focus_page_heading_soon() {
    leptos::prelude::set_timeout(
        || {
            let main = || element("main").map(web_sys::Element::from);
            if let Some(el) = page_heading().or_else(main) {
                focus_element(el);
            }
        },
        std::time::Duration::from_millis(60),
    );
}

/// As [`focus_page_heading_soon`], as a move to another page begins under a router that
/// may keep the old page until the new one has what it shows (the console's): the new page
/// is the one whose heading is not the one there now, looked for every 50 ms for up to 5 s.
pub fn focus_next_page_heading() {
    fn look(old: Option<web_sys::Element>, tries: u32) {
        match page_heading() {
            Some(h) if Some(&h) != old.as_ref() => focus_element(h),
            _ if tries == 0 => {}
            _ => leptos::prelude::set_timeout(
                move || look(old, tries - 1),
                std::time::Duration::from_millis(50),
            ),
        }
    }
    look(page_heading(), 100);
}

/// The first control marked invalid (`aria-invalid="true"`) inside `root`, focused.
fn focus_invalid_in(root: Option<web_sys::Element>) {
    let first = root
        .and_then(|r| r.query_selector("[aria-invalid=\"true\"]").ok().flatten())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = first {
        let _ = el.focus();
    }
}

/// As [`focus_first_invalid`], in the form holding the element `id` only: a page of two
/// forms (find by code, find by number) sends the keyboard to the one that was refused,
/// not to an older mistake in the other.
pub fn focus_first_invalid_in_form_of(id: &'static str) {
    leptos::prelude::set_timeout(
        move || focus_invalid_in(element(id).and_then(|e| e.closest("form").ok().flatten())),
        std::time::Duration::from_millis(30),
    );
}

/// Focuses the first control marked invalid (`aria-invalid="true"`) once the view has
/// updated: after a refused form, where its first error is.
pub fn focus_first_invalid() {
    leptos::prelude::set_timeout(
        || {
            let document = web_sys::window().and_then(|w| w.document());
            focus_invalid_in(document.and_then(|d| d.document_element()));
        },
        std::time::Duration::from_millis(30),
    );
}
