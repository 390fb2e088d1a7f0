//! The shell: language context, header with navigation and language switch, and the routes
//! of one bundle. Every route has a deep link that can be shared in chats and portals.
//!
//! The citizen app is three bundles (see `labday_domain::entry`): each binary mounts the shell
//! with its own routes, so a page's code ships only in its journey's bundle. A link into
//! another journey matches no route here, and [`Elsewhere`] loads that page from the server.

use crate::components::status::Loading;
use crate::i18n::{self, t, Lang};
use crate::pages::{
    activity::ActivityPage, book::BookPage, booking::BookingPage, home::HomePage,
    my_bookings::MyBookingsPage, sample::SamplePage, samples::SamplesPage,
};
use crate::store;
use crate::text::{message, text};
use labday_domain::entry::Entry;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_location;
use leptos_router::path;
use wasm_bindgen::JsCast;

fn root_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

/// After a route change, moves focus to the new page's heading (or the main region) so
/// screen-reader and keyboard users start at the top of what changed.
#[component]
fn RouteFocus() -> impl IntoView {
    let location = use_location();
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        let _ = location.pathname.get();
        if first.get_value() {
            first.set_value(false);
            return;
        }
        set_timeout(
            || {
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
            },
            std::time::Duration::from_millis(60),
        );
    });
}

/// The language to start in: `?lang=` in the address, then this device's choice, then zh-CN.
fn initial_lang() -> Lang {
    let from_query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| {
            q.trim_start_matches('?')
                .split('&')
                .find_map(|kv| kv.strip_prefix("lang=").map(str::to_owned))
        });
    from_query
        .or_else(store::saved_lang)
        .map(|c| Lang::from_code(&c))
        .unwrap_or(Lang::Zh)
}

/// What no route of this bundle matches: a page of another bundle (loaded from the server,
/// which answers with that bundle), or a page that does not exist.
#[component]
fn Elsewhere(here: Entry) -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    if Entry::for_path(&path) != here {
        let mut url = path.clone();
        let search = location.search.get_untracked();
        if !search.is_empty() {
            url.push('?');
            url.push_str(&search);
        }
        let hash = location.hash.get_untracked();
        if !hash.is_empty() && !hash.starts_with('#') {
            url.push('#');
        }
        url.push_str(&hash);
        if let Some(w) = web_sys::window() {
            let now = w.location();
            // Replace the entry the router may already have pushed; otherwise add one, so
            // Back returns to the page the link was on either way.
            let _ = if now.pathname().ok().as_deref() == Some(path.as_str()) {
                now.replace(&url)
            } else {
                now.assign(&url)
            };
        }
        view! { <Loading/> }.into_any()
    } else {
        view! { <p class="empty">{t(i18n::NOT_FOUND)}</p> }.into_any()
    }
}

/// Browsing: the activity list and an activity's sessions.
pub fn browse() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <Elsewhere here=Entry::Browse/> }>
            <Route path=path!("/") view=HomePage/>
            <Route path=path!("/activities/:id") view=ActivityPage/>
        </Routes>
    }
}

/// Booking: book a session, show, list and cancel bookings.
pub fn book() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <Elsewhere here=Entry::Book/> }>
            <Route path=path!("/sessions/:id/book") view=BookPage/>
            <Route path=path!("/bookings/:code") view=BookingPage/>
            <Route path=path!("/my") view=MyBookingsPage/>
        </Routes>
    }
}

/// Vegetable samples: register them for a quick-test session, look up a result.
pub fn samples() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <Elsewhere here=Entry::Samples/> }>
            <Route path=path!("/sessions/:id/samples") view=SamplesPage/>
            <Route path=path!("/samples/:code") view=SamplePage/>
        </Routes>
    }
}

/// The app shell around one bundle's `routes` ([`browse`], [`book`] or [`samples`]).
pub fn shell<R: IntoView + 'static>(routes: fn() -> R) -> impl IntoView {
    let lang = RwSignal::new(initial_lang());
    provide_context(lang);
    let elder = RwSignal::new(
        store::elder_mode() || root_element().is_some_and(|r| r.class_list().contains("elder")),
    );
    Effect::new(move |_| {
        if let Some(root) = root_element() {
            let _ = root.class_list().toggle_with_force("elder", elder.get());
        }
    });
    let toggle_elder = move |_| {
        let on = !elder.get_untracked();
        store::save_elder_mode(on);
        elder.set(on);
    };
    Effect::new(move |_| {
        let code = lang.get().code();
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", code);
        }
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(i18n::APP_NAME.get(lang.get()));
        }
    });
    let switch = move |_| {
        let next = match lang.get() {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        };
        store::save_lang(next.code());
        lang.set(next);
    };
    view! {
        <Router>
            <a class="skip" href="#main">{t(i18n::SKIP_TO_CONTENT)}</a>
            <header class="top">
                <A href="/" attr:class="brand">{t(i18n::APP_NAME)}</A>
                <nav aria-label=t(i18n::NAV_LABEL)>
                    <A href="/my">{t(i18n::NAV_MY)}</A>
                </nav>
                <button type="button" class="mode" on:click=toggle_elder
                    aria-pressed=text(move || elder.get().to_string()) title=t(i18n::ELDER_MODE_LABEL)>
                    {t(i18n::ELDER_MODE)}
                </button>
                <button type="button" class="lang" on:click=switch aria-label=t(i18n::SWITCH_LANG_LABEL)
                    lang=message(move || match lang.get() { Lang::Zh => "en", Lang::En => "zh-CN" })>
                    {t(i18n::SWITCH_LANG)}
                </button>
            </header>
            <RouteFocus/>
            <main id="main" tabindex="-1">
                {routes()}
            </main>
        </Router>
    }
}
