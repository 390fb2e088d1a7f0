//! The document's title names the page in the reader's language ("我的预约 · labday"), so a
//! screen reader announces where a link led (WCAG 2.4.2) and tabs, history and home-screen
//! shortcuts tell pages apart. Each page calls [`use_title`] once; the title follows the
//! language switch and goes with the page. (A shared activity's first load already carries
//! its title from the server: `crates/server/src/share.rs`.)

use crate::i18n::{use_lang, Lang, Msg};
use leptos::prelude::*;

/// Names the page shown now `name`, in the reader's language.
pub fn use_title(name: Msg) {
    follow(Box::new(move |lang| name.get(lang).to_owned()));
}

/// Names the page by what `name` gives (an activity's title once it has loaded), following
/// the signals it reads.
pub fn use_title_with(name: impl Fn(Lang) -> String + 'static) {
    follow(Box::new(name));
}

/// One effect for every page (boxed: compiled once, whatever names the page).
fn follow(name: Box<dyn Fn(Lang) -> String>) {
    let lang = use_lang();
    Effect::new(move |_| {
        let title = format!("{} · labday", name(lang.get()));
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(&title);
        }
    });
}
