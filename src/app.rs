//! The shell: language context, header with navigation and language switch, and the routes
//! of one bundle. Every route has a deep link that can be shared in chats and portals.
//!
//! The citizen app is three bundles (see `labday_domain::entry`): each binary mounts the shell
//! with its own routes, so a page's code ships only in its journey's bundle. A link into
//! another journey matches no route here, and `route::routes` loads that page from the server.

use crate::i18n::{self, t, Lang};
use crate::offline::OfflineNote;
use crate::pages::{
    activity::ActivityPage, book::BookPage, booking::BookingPage, home::HomePage,
    my_bookings::MyBookingsPage, sample::SamplePage, samples::SamplesPage,
};
use crate::route::{self, Page};
use crate::store;
use crate::text::{message, text};
use labday_domain::entry::Entry;
use leptos::prelude::*;

fn root_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

/// After a move to another page, moves focus to the new page's heading (or the main region)
/// so screen-reader and keyboard users start at the top of what changed. Only the path
/// counts: a filter or the language written into the query leaves focus where it is (a
/// keyboard arrowing through a filter's options stays on it).
#[component]
fn RouteFocus() -> impl IntoView {
    let url = route::use_url();
    let path = Memo::new(move |_| url.with(|u| u.path.clone()));
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        path.track();
        if first.get_value() {
            first.set_value(false);
            return;
        }
        crate::dom::focus_page_heading_soon();
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

/// Browsing: the activity list and an activity's sessions.
pub fn browse() -> impl IntoView {
    const PAGES: [Page; 2] = [
        ("/", || view! { <HomePage/> }.into_any()),
        ("/activities/:id", || view! { <ActivityPage/> }.into_any()),
    ];
    route::routes(Entry::Browse, &PAGES)
}

/// Booking: book a session, show, move and cancel a booking.
pub fn book() -> impl IntoView {
    const PAGES: [Page; 2] = [
        ("/sessions/:id/book", || view! { <BookPage/> }.into_any()),
        ("/bookings/:code", || view! { <BookingPage/> }.into_any()),
    ];
    route::routes(Entry::Book, &PAGES)
}

/// My bookings: the bookings and samples made on this device, and finding one made
/// elsewhere (by code, or by a verified phone).
pub fn mine() -> impl IntoView {
    const PAGES: [Page; 1] = [("/my", || view! { <MyBookingsPage/> }.into_any())];
    route::routes(Entry::Mine, &PAGES)
}

/// Vegetable samples: register them for a quick-test session, look up a result.
pub fn samples() -> impl IntoView {
    const PAGES: [Page; 2] = [
        ("/sessions/:id/samples", || {
            view! { <SamplesPage/> }.into_any()
        }),
        ("/samples/:code", || view! { <SamplePage/> }.into_any()),
    ];
    route::routes(Entry::Samples, &PAGES)
}

/// The app shell around one bundle's `routes` ([`browse`], [`book`], [`mine`] or [`samples`]).
pub fn shell<R: IntoView + 'static>(routes: fn() -> R) -> impl IntoView {
    let lang = RwSignal::new(initial_lang());
    provide_context(lang);
    route::follow();
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
    });
    let switch = move |_| {
        let next = match lang.get() {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        };
        store::save_lang(next.code());
        lang.set(next);
        route::forget_address_lang();
    };
    view! {
        <a class="skip" href="#main">{t(i18n::SKIP_TO_CONTENT)}</a>
            <header class="top">
                <a href="/" class="brand"><img src="/favicon.svg" alt="" width="32" height="32"/><span>{t(i18n::APP_NAME)}</span></a>
                <nav aria-label=t(i18n::NAV_LABEL)>
                    <a href="/my">{t(i18n::NAV_MY)}</a>
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
                <OfflineNote/>
                {routes()}
            </main>
    }
}
