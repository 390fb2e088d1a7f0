//! The shell: language context, header with navigation and language switch, and routes.
//! Every route has a deep link that can be shared in chats and portals.

use crate::i18n::{self, t, Lang};
use crate::pages::{
    activity::ActivityPage, book::BookPage, booking::BookingPage, home::HomePage,
    my_bookings::MyBookingsPage,
};
use crate::store;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

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

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(initial_lang());
    provide_context(lang);
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
                <nav aria-label=t(i18n::NAV_HOME)>
                    <A href="/my">{t(i18n::NAV_MY)}</A>
                </nav>
                <button type="button" class="lang" on:click=switch aria-label=t(i18n::SWITCH_LANG_LABEL)
                    lang=move || match lang.get() { Lang::Zh => "en", Lang::En => "zh-CN" }>
                    {t(i18n::SWITCH_LANG)}
                </button>
            </header>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <p class="empty">{t(i18n::NOT_FOUND)}</p> }>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/activities/:id") view=ActivityPage/>
                    <Route path=path!("/sessions/:id/book") view=BookPage/>
                    <Route path=path!("/bookings/:code") view=BookingPage/>
                    <Route path=path!("/my") view=MyBookingsPage/>
                </Routes>
            </main>
        </Router>
    }
}
