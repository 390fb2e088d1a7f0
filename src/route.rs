//! The citizen app's router: the address as a signal, links followed without reloading, Back
//! and Forward, and each bundle's table of page paths (`/activities/:id`).
//!
//! Why not leptos_router here: the citizen pages need only this much of it, and its matching
//! and view machinery weighed about 10 KB of brotli in every citizen bundle, whose first load
//! has a 160 KB budget. The staff console, which has no such budget, keeps leptos_router.

use crate::components::status::Loading;
use crate::i18n::{self, t};
use labday_domain::entry::Entry;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// Where the reader is: the address's path, query (without `?`) and fragment (with `#`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Url {
    pub path: String,
    pub search: String,
    pub hash: String,
}

impl Url {
    fn current() -> Url {
        let Some(loc) = web_sys::window().map(|w| w.location()) else {
            return Url::default();
        };
        Url {
            path: loc.pathname().unwrap_or_else(|_| "/".into()),
            search: loc
                .search()
                .unwrap_or_default()
                .trim_start_matches('?')
                .to_owned(),
            hash: loc.hash().unwrap_or_default(),
        }
    }

    /// A link's `href` of this site (`/path?query#fragment`) as an address.
    fn of_href(href: &str) -> Url {
        let (rest, hash) = match href.split_once('#') {
            Some((rest, hash)) => (rest, format!("#{hash}")),
            None => (href, String::new()),
        };
        let (path, search) = rest.split_once('?').unwrap_or((rest, ""));
        Url {
            path: path.to_owned(),
            search: search.to_owned(),
            hash,
        }
    }

    /// The address again, as a link would give it.
    pub fn href(&self) -> String {
        let mut out = self.path.clone();
        if !self.search.is_empty() {
            out.push('?');
            out.push_str(&self.search);
        }
        out.push_str(&self.hash);
        out
    }
}

/// Named values from the address: a page path's `:id`, or the query's `key=value`s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Map(Vec<(String, String)>);

impl Map {
    pub fn get(&self, key: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn query(search: &str) -> Map {
        Map(search
            .split('&')
            .filter(|kv| !kv.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (decode(k), decode(v))
            })
            .collect())
    }
}

/// Percent-decoding of an address part (`+` is a space); text that does not decode to UTF-8
/// is kept as it was.
fn decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', h, l]) => hex(*h).zip(hex(*l)).map(|(h, l)| (h * 16 + l) as u8),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_owned())
}

thread_local! {
    /// The address signal of this page (one app per page, and wasm has one thread), so that
    /// `navigate` works from event handlers and tasks alike.
    static ADDRESS: std::cell::Cell<Option<RwSignal<Url>>> = const { std::cell::Cell::new(None) };
    /// The reader's language, as the shell provides it (`follow`), for the same reason.
    static LANG: std::cell::Cell<Option<RwSignal<crate::i18n::Lang>>> = const { std::cell::Cell::new(None) };
}

fn address() -> RwSignal<Url> {
    ADDRESS.with(|a| match a.get() {
        Some(signal) => signal,
        None => {
            let signal = RwSignal::new(Url::current());
            a.set(Some(signal));
            signal
        }
    })
}

#[derive(Clone, Copy)]
struct Params(Memo<Map>);

/// The address, tracked.
pub fn use_url() -> Memo<Url> {
    let address = address();
    Memo::new(move |_| address.get())
}

/// The query's values (`/?city=南昌` → `city`), tracked.
pub fn use_query_map() -> Memo<Map> {
    let address = address();
    Memo::new(move |_| address.with(|u| Map::query(&u.search)))
}

/// The matched page path's values (`/activities/:id` → `id`), tracked.
pub fn use_params_map() -> Memo<Map> {
    // Not `expect_context`, for the reason `i18n::use_lang` gives.
    use_context::<Params>()
        .expect("a page is shown inside its bundle's routes")
        .0
}

/// The matched page path's `:id`, typed: see [`id`].
pub fn use_id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| id(params.read().get("id").as_deref()))
}

/// The matched page path's `:code` (a booking's or a sample's, as typed), tracked; empty
/// without one.
pub fn use_code_param() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("code").unwrap_or_default()
}

/// An `:id` from an address as the API's id: a positive number, else `None`, which a page
/// shows as "not found" (what the server answers for an id it does not have), so a
/// mistyped address asks for nothing.
pub fn id(raw: Option<&str>) -> Option<i64> {
    raw.and_then(|s| s.parse::<i64>().ok()).filter(|id| *id > 0)
}

/// Goes to `href` (a path on this site), adding a history entry and scrolling to the top.
pub fn navigate(href: &str) {
    go(href, false);
}

/// Shows `href` in place of the current address (no history entry, no scrolling): for
/// filters that change only the query.
pub fn replace(href: &str) {
    go(href, true);
}

fn go(href: &str, replace: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(history) = window.history() {
        let _ = if replace {
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
        } else {
            history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href))
        };
        // A language the page was opened in (`?lang=`) stays in the address, so that a
        // reload or a bookmark opens in it too.
        let now = Url::current();
        let kept = with_lang(now.clone());
        if kept != now {
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&kept.href()),
            );
        }
    }
    address().set(Url::current());
    if !replace {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Takes `?lang=` out of the address: the reader has just picked a language on the page,
/// which the device keeps, so a reload opens in that one rather than the address's.
pub fn forget_address_lang() {
    let mut url = Url::current();
    let mut search = String::new();
    for kv in url.search.split('&') {
        if !kv.is_empty() && !kv.starts_with("lang=") {
            if !search.is_empty() {
                search.push('&');
            }
            search.push_str(kv);
        }
    }
    if search != url.search {
        url.search = search;
        replace(&url.href());
    }
}

/// Whether a link's `href` is a path of this site (`/…`, not `//host/…`).
fn is_own_path(href: &str) -> bool {
    href.starts_with('/') && !href.starts_with("//")
}

/// The link a click follows inside the app, if it is one: a plain left click on an
/// `<a href="/…">` of this site with no target, download or `rel="external"`.
fn followed_link(ev: &web_sys::MouseEvent) -> Option<String> {
    if ev.default_prevented()
        || ev.button() != 0
        || ev.meta_key()
        || ev.ctrl_key()
        || ev.shift_key()
        || ev.alt_key()
    {
        return None;
    }
    let a = ev
        .target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("a[href]")
        .ok()??;
    if a.has_attribute("target")
        || a.has_attribute("download")
        || a.get_attribute("rel")
            .is_some_and(|r| r.split_whitespace().any(|r| r == "external"))
    {
        return None;
    }
    let href = a.get_attribute("href")?;
    is_own_path(&href).then_some(href)
}

/// Gives a link of this site that is about to be opened elsewhere (a middle click, the
/// menu's "open in new tab" after a right click or a long press, a modifier key with Enter
/// on a focused link) the reader's language when a new tab would not start in it
/// ([`with_lang`]): a portal's `?lang=en` is not saved on the device.
fn carry_lang(ev: &web_sys::Event) {
    let link = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("a[href]").ok().flatten());
    let Some(link) = link else {
        return;
    };
    // The link as the page wrote it, kept aside the first time: what was added for one
    // language goes again once the reader picks another.
    let Some(href) = link
        .get_attribute("data-href")
        .or_else(|| link.get_attribute("href"))
    else {
        return;
    };
    if is_own_path(&href) {
        let kept = with_lang(Url::of_href(&href)).href();
        if kept != href {
            let _ = link.set_attribute("data-href", &href);
        }
        let _ = link.set_attribute("href", &kept);
    }
}

/// Starts following the address: call once, in the shell, once it provides the language
/// and before any page.
pub fn follow() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let address = address();
    LANG.with(|l| l.set(Some(crate::i18n::use_lang())));
    // One listener for a click, and for what comes before a link is opened elsewhere.
    let on_link = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        if ev.type_() != "click" {
            carry_lang(&ev);
        } else if let Some(href) = followed_link(&ev) {
            ev.prevent_default();
            navigate(&href);
        }
    });
    let on_pop = Closure::<dyn Fn()>::new(move || address.set(Url::current()));
    if let Some(doc) = window.document() {
        // A right click's menu, and a long press's, follow a pointer going down; a key on a
        // link, its focus (a focus event is no mouse event, but only its target is read).
        for event in ["click", "pointerdown", "focusin"] {
            let _ = doc.add_event_listener_with_callback(event, on_link.as_ref().unchecked_ref());
        }
    }
    let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    // They live as long as the page.
    on_link.forget();
    on_pop.forget();
}

/// A page of a bundle: its path pattern (`:name` segments capture) and its view.
pub type Page = (&'static str, fn() -> AnyView);

/// The pattern of `pages` that `path` matches, with the values it captures.
fn matching(pages: &[Page], path: &str) -> Option<(usize, Map)> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    pages.iter().enumerate().find_map(|(i, (pattern, _))| {
        let want: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
        if want.len() != parts.len() {
            return None;
        }
        let mut values = Vec::new();
        for (w, p) in want.iter().zip(&parts) {
            match w.strip_prefix(':') {
                Some(name) => values.push((name.to_owned(), decode(p))),
                None if w == p => {}
                None => return None,
            }
        }
        Some((i, Map(values)))
    })
}

/// The page of `pages` the address shows; the same page stays (with new values) while only
/// its values change. An address of another bundle is loaded from the server.
pub fn routes(here: Entry, pages: &'static [Page]) -> impl IntoView {
    let address = address();
    let matched = Memo::new(move |_| address.with(|u| matching(pages, &u.path)));
    provide_context(Params(Memo::new(move |_| {
        matched.get().map(|(_, m)| m).unwrap_or_default()
    })));
    let page = Memo::new(move |_| matched.with(|m| m.as_ref().map(|(i, _)| *i)));
    move || match page.get() {
        Some(i) => (pages[i].1)(),
        None => elsewhere(here, address.get_untracked()),
    }
}

/// What no page of this bundle matches: a page of another bundle (loaded for real, the
/// server answers with that bundle), or a page that does not exist.
fn elsewhere(here: Entry, url: Url) -> AnyView {
    if Entry::for_path(&url.path) == here {
        crate::title::use_title(i18n::TITLE_NOT_FOUND);
        return view! { <p class="empty">{t(i18n::NOT_FOUND)}</p> }.into_any();
    }
    if let Some(w) = web_sys::window() {
        // The address is already in the history (pushed by `navigate`, or Back): replace it.
        let _ = w.location().replace(&with_lang(url).href());
    }
    view! { <Loading/> }.into_any()
}

/// `url` with the reader's language when a page loaded from it would not start in it:
/// chosen by this page's `?lang=` (a portal's link) and not saved on the device.
fn with_lang(mut url: Url) -> Url {
    use crate::i18n::Lang;
    let Some(reading) = LANG.with(std::cell::Cell::get).map(|l| l.get_untracked()) else {
        return url;
    };
    let starts = crate::store::saved_lang().map_or(Lang::Zh, |c| Lang::from_code(&c));
    let has = url.search.split('&').any(|kv| kv.starts_with("lang="));
    if !has && starts != reading {
        let code = reading.code();
        if !url.search.is_empty() {
            url.search.push('&');
        }
        url.search.push_str("lang=");
        url.search.push_str(code);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> AnyView {
        ().into_any()
    }

    const PAGES: [Page; 3] = [
        ("/", page),
        ("/activities/:id", page),
        ("/sessions/:id/book", page),
    ];

    #[test]
    fn paths_match_their_pattern_and_capture_values() {
        assert_eq!(matching(&PAGES, "/").map(|m| m.0), Some(0));
        let (i, values) = matching(&PAGES, "/activities/12/").unwrap();
        assert_eq!(i, 1);
        assert_eq!(values.get("id").as_deref(), Some("12"));
        assert_eq!(matching(&PAGES, "/sessions/7/book").map(|m| m.0), Some(2));
        assert!(matching(&PAGES, "/sessions/7").is_none());
        assert!(matching(&PAGES, "/activities/1/extra").is_none());
    }

    #[test]
    fn an_id_is_a_positive_number_or_not_found() {
        assert_eq!(id(Some("12")), Some(12));
        for bad in [
            None,
            Some(""),
            Some("abc"),
            Some("0"),
            Some("-3"),
            Some("1.5"),
        ] {
            assert_eq!(id(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_links_href_reads_as_the_address_it_opens() {
        for href in [
            "/",
            "/activities/3",
            "/?city=南昌&q=a",
            "/bookings/K7M2#result",
            "/x?a=1#h?b",
        ] {
            assert_eq!(Url::of_href(href).href(), href);
        }
        let url = Url::of_href("/sessions/7/book?lang=en#form");
        assert_eq!(
            (url.path.as_str(), url.search.as_str(), url.hash.as_str()),
            ("/sessions/7/book", "lang=en", "#form")
        );
    }

    #[test]
    fn query_values_are_decoded() {
        let q =
            Map::query("city=%E5%8D%97%E6%98%8C&category=lab_open_day&q=a+b%2Bc&bad=%E5%8D&t=%zz");
        assert_eq!(q.get("city").as_deref(), Some("南昌"));
        assert_eq!(q.get("category").as_deref(), Some("lab_open_day"));
        assert_eq!(q.get("q").as_deref(), Some("a b+c"));
        assert_eq!(q.get("bad").as_deref(), Some("%E5%8D"), "not UTF-8: kept");
        assert_eq!(q.get("t").as_deref(), Some("%zz"));
        assert_eq!(q.get("missing"), None);
    }
}
