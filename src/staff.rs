//! The staff console: a separate bundle (`staff.html` → `/staff/`), so nothing of it weighs
//! on the citizen app. Lab staff sign in, schedule activities and sessions, watch bookings
//! arrive, check visitors in by QR scan or typed code, mark no-shows after the session and
//! export the roster; they record media coverage and photos, and change their password (and
//! must, before anything else, after an organiser reset it). Organisers also run the
//! organisation tree and the staff accounts within their reach, read the audit log and
//! print the summary.

pub mod accounts;
pub mod activity_form;
pub mod api;
pub mod audit;
pub mod desk;
pub mod form;
pub mod i18n;
pub mod media;
pub mod move_booking;
pub mod offline_queue;
pub mod organisations;
pub mod password;
pub mod roster;
pub mod samples;
pub mod scanner;
pub mod series;
pub mod session_form;
pub mod sessions;
pub mod sign_in;
pub mod summary;
pub mod walk_in;

use crate::i18n::{self as ci, t, Lang, Msg};
use crate::staff::i18n as si;
use crate::store;
use labday_domain::staff::{Role, StaffView};
use labday_domain::ErrorCode;
use leptos::leptos_dom::helpers::window_event_listener_untyped;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::JsCast;

/// The signed-in staff member, or `None` before sign-in.
pub type Me = RwSignal<Option<StaffView>>;

/// The console route's `:id`, typed as the citizen router's is (`crate::route::id`).
pub fn use_id_param() -> Memo<Option<i64>> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| crate::route::id(params.read().get("id").as_deref()))
}

/// Mounts the console on `<body>`.
pub fn mount() {
    crate::report_panics();
    crate::i18n::word_console_errors(i18n::console_error_msg);
    leptos::mount::mount_to_body(StaffApp);
}

#[component]
pub fn StaffApp() -> impl IntoView {
    let lang = RwSignal::new(
        store::saved_lang()
            .map(|c| Lang::from_code(&c))
            .unwrap_or(Lang::Zh),
    );
    provide_context(lang);
    let me: Me = RwSignal::new(None);
    provide_context(me);
    let checked = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(staff) = crate::api::staff_me().await {
            me.set(Some(staff));
        }
        checked.set(true);
    });
    watch_sign_out(me);
    Effect::new(move |_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("lang", lang.get().code());
        }
    });
    let switch = move |_| {
        let next = if lang.get() == Lang::Zh {
            Lang::En
        } else {
            Lang::Zh
        };
        store::save_lang(next.code());
        lang.set(next);
    };
    view! {
        <Router base="/staff">
            // The browser's own jump (not the router's, which would only scroll there).
            <a class="skip" href="#main" rel="external">{t(ci::SKIP_TO_CONTENT)}</a>
            <header class="top">
                <a href="/staff/" class="brand">{t(si::STAFF_APP_NAME)}</a>
                {move || me.get().map(|m| view! {
                    {(!m.must_change_password).then(|| view! {
                        <a href="/staff/summary">{t(si::NAV_SUMMARY)}</a>
                        <a href="/staff/media">{t(si::NAV_MEDIA)}</a>
                        {(m.role == Role::Organiser).then(|| view! {
                            <a href="/staff/organisations">{t(si::NAV_ORGANISATIONS)}</a>
                            <a href="/staff/accounts">{t(si::NAV_ACCOUNTS)}</a>
                            <a href="/staff/audit">{t(si::NAV_AUDIT)}</a>
                        })}
                        <a href="/staff/password">{t(si::NAV_PASSWORD)}</a>
                    })}
                    <span class="who">{si::SIGNED_IN_AS_NAME.fill(lang.get(), &[("name", if m.display_name.is_empty() { &m.username } else { &m.display_name })])}</span>
                    <SignOutButton/>
                })}
                <button type="button" class="lang" on:click=switch aria-label=t(crate::i18n::SWITCH_LANG_LABEL)
                    lang=move || match lang.get() { Lang::Zh => "en", Lang::En => "zh-CN" }>{t(crate::i18n::SWITCH_LANG)}</button>
            </header>
            <PageFocus/>
            <main id="main" tabindex="-1">
                {move || {
                    if !checked.get() {
                        view! { <crate::components::status::Loading/> }.into_any()
                    } else if me.get().is_none() {
                        view! { <sign_in::SignInPage/> }.into_any()
                    } else if me.get().is_some_and(|m| m.must_change_password) {
                        view! { <password::ForcedPasswordChange/> }.into_any()
                    } else {
                        view! {
                            <Routes fallback=|| view! { <p class="empty">{t(crate::i18n::NOT_FOUND)}</p> }>
                                <Route path=path!("/") view=sessions::SessionsPage/>
                                <Route path=path!("/sessions/:id") view=roster::RosterPage/>
                                <Route path=path!("/sessions/:id/samples") view=samples::SamplesDesk/>
                                <Route path=path!("/summary") view=summary::SummaryPage/>
                                <Route path=path!("/media") view=media::MediaPage/>
                                <Route path=path!("/organisations") view=organisations::OrganisationsPage/>
                                <Route path=path!("/accounts") view=accounts::AccountsPage/>
                                <Route path=path!("/password") view=password::PasswordPage/>
                                <Route path=path!("/audit") view=audit::AuditPage/>
                            </Routes>
                        }.into_any()
                    }
                }}
            </main>
        </Router>
    }
}

/// After a move to another page of the console (a roster opened from the list, say),
/// focus goes to the new page's heading, as in the citizen app: the link clicked is gone.
/// Taken from the moves themselves (a link of the console followed, Back or Forward), heard
/// before the router acts on them, with the heading shown as the move begins: the new page
/// is the one whose heading is another.
#[component]
fn PageFocus() -> impl IntoView {
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else {
        return;
    };
    let followed = Closure::<dyn Fn(web_sys::MouseEvent)>::new(|ev: web_sys::MouseEvent| {
        let link = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten());
        let inside = link.is_some_and(|a| {
            let href = a.get_attribute("href").unwrap_or_default();
            let external = a
                .get_attribute("rel")
                .is_some_and(|r| r.contains("external"));
            href.starts_with("/staff/")
                && !external
                && !a.has_attribute("download")
                && !a.has_attribute("target")
        });
        let modified = ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key();
        if inside && ev.button() == 0 && !modified {
            crate::dom::focus_next_page_heading();
        }
    });
    let moved = Closure::<dyn Fn()>::new(crate::dom::focus_next_page_heading);
    // In the capture phase: before the router's own listeners show the new page.
    for (event, listener) in [("click", followed.as_ref()), ("popstate", moved.as_ref())] {
        let _ =
            window.add_event_listener_with_callback_and_bool(event, listener.unchecked_ref(), true);
    }
    // The console's one app lives as long as its page.
    followed.forget();
    moved.forget();
}

/// Where a tab that signs out tells this browser's other tabs of the console (a `storage`
/// event in each).
const SIGNED_OUT_KEY: &str = "labday.staff.signed-out";

/// This device is signed out: every desk's roster leaves it, and the console shows the
/// sign-in page.
pub(crate) fn signed_out(me: Me) {
    offline_queue::forget_rosters();
    me.set(None);
}

/// Drops to the sign-in page once the server no longer knows this tab's session (signed
/// out in another tab, everywhere by an organiser, or expired): asked whenever the tab is
/// shown again and whenever another tab of the console signs out, so no roster stays on a
/// screen nobody is signed in to.
fn watch_sign_out(me: Me) {
    let check = move || {
        if me.get_untracked().is_none() {
            return;
        }
        spawn_local(async move {
            if let Err(e) = crate::api::staff_me().await {
                if e.code == ErrorCode::Unauthorized {
                    signed_out(me);
                }
            }
        });
    };
    let shown = move |_| {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|d| d.hidden());
        if !hidden {
            check();
        }
    };
    let told = move |e: web_sys::Event| {
        let key = js_sys::Reflect::get(&e, &"key".into()).ok();
        if key.and_then(|k| k.as_string()).as_deref() == Some(SIGNED_OUT_KEY) {
            check();
        }
    };
    // For the console's whole life: it is the page.
    std::mem::forget(window_event_listener_untyped("visibilitychange", shown));
    std::mem::forget(window_event_listener_untyped("storage", told));
}

/// Signs out and starts the next person at the console's front page. Until the server has
/// ended the session its cookie still signs this device in (the page cannot remove it), so
/// with no network nothing is signed out and the console says so, keeping the button.
#[component]
fn SignOutButton() -> impl IntoView {
    let me = expect_context::<Me>();
    let navigate = leptos_router::hooks::use_navigate();
    let failed = RwSignal::new(false);
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // Already signed out on the server (401) is signed out.
            if let Err(e) = crate::api::staff_sign_out().await {
                if e.code != ErrorCode::Unauthorized {
                    failed.set(true);
                    return;
                }
            }
            failed.set(false);
            signed_out(me);
            if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                let _ = s.set_item(SIGNED_OUT_KEY, &js_sys::Date::now().to_string());
            }
            // An absolute address: not resolved against the router's `/staff` base again.
            let options = leptos_router::NavigateOptions {
                resolve: false,
                ..Default::default()
            };
            navigate("/staff/", options);
        });
    };
    view! {
        <button type="button" class="lang" on:click=sign_out>{t(si::SIGN_OUT)}</button>
        {move || failed.get().then(|| view! {
            <p class="error sign-out-failed" role="alert">{t(si::SIGN_OUT_FAILED)}</p>
        })}
    }
}

/// A page only organisers may use: a way back and its title, then `children` for an
/// organiser and a notice for anyone else (the server refuses them too).
#[component]
pub fn OrganiserPage(title: Msg, children: ChildrenFn) -> impl IntoView {
    crate::title::use_title(title);
    let me = expect_context::<Me>();
    let organiser = move || me.get().is_some_and(|m| m.role == Role::Organiser);
    view! {
        <p><a href="/staff/" class="back">{t(ci::BACK)}</a></p>
        <h1>{t(title)}</h1>
        <Show when=organiser fallback=|| view! { <p class="empty">{t(si::ORGANISERS_ONLY)}</p> }>
            {children()}
        </Show>
    }
}
