//! Component tests in headless Chromium (wasm-bindgen-test): components mount into a real
//! DOM and react to the language switch.
#![cfg(target_arch = "wasm32")]

use labday::components::qr::QrCode;
use labday::components::status::ErrorPanel;
use labday::i18n::Lang;
use labday_domain::{ApiError, ErrorCode};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn host() -> web_sys::HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let el = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    el.dyn_into().unwrap()
}

async fn settle() {
    // Let effects and the microtask queue run.
    let promise = js_sys::Promise::resolve(&wasm_bindgen::JsValue::NULL);
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[wasm_bindgen_test]
async fn qr_code_renders_an_accessible_svg() {
    let el = host();
    let _handle = leptos::mount::mount_to(el.clone(), || {
        view! { <QrCode text="K7QM4XPB" label=Signal::derive(|| "预约码二维码".to_owned())/> }
    });
    settle().await;
    let svg = el.query_selector("svg.qr").unwrap().expect("an svg");
    assert_eq!(svg.get_attribute("role").as_deref(), Some("img"));
    assert_eq!(
        svg.get_attribute("aria-label").as_deref(),
        Some("预约码二维码")
    );
    assert_eq!(svg.get_attribute("viewBox").as_deref(), Some("0 0 29 29"));
    let d = el
        .query_selector("svg.qr path")
        .unwrap()
        .expect("modules")
        .get_attribute("d")
        .unwrap();
    assert!(
        d.matches('M').count() > 100,
        "a real symbol has many dark modules"
    );
}

#[wasm_bindgen_test]
async fn error_panel_speaks_the_readers_language_and_offers_retry() {
    let el = host();
    let lang = RwSignal::new(Lang::Zh);
    let retried = RwSignal::new(0);
    let _handle = leptos::mount::mount_to(el.clone(), move || {
        provide_context(lang);
        let error = ApiError::new(ErrorCode::Network, "offline");
        view! { <ErrorPanel error=error retry=Callback::new(move |_| retried.update(|n| *n += 1))/> }
    });
    settle().await;
    let alert = el
        .query_selector("[role=alert]")
        .unwrap()
        .expect("an alert");
    assert!(alert.text_content().unwrap().contains("无法连接服务器"));
    lang.set(Lang::En);
    settle().await;
    assert!(alert
        .text_content()
        .unwrap()
        .contains("Cannot reach the server"));
    let button: web_sys::HtmlElement = el
        .query_selector("button")
        .unwrap()
        .expect("retry")
        .dyn_into()
        .unwrap();
    button.click();
    assert_eq!(retried.get_untracked(), 1);
}

#[wasm_bindgen_test]
fn erasing_forgets_every_copy_of_a_code_however_it_was_looked_up() {
    use labday::offline::{copy_of, BOOKING, SAMPLE};
    use labday::store::{forget_copies, keep_copy, kept_copy};
    // One booking looked up three ways (the phone spaced and not, the code in lower case
    // with its hyphen), another booking, and a sample with the same code.
    let mine = [
        copy_of("K7QM4XPB", "139 0013 9001"),
        copy_of("K7QM4XPB", "13900139001"),
        copy_of("k7qm-4xpb", "13900139001"),
    ];
    let other = copy_of("K7QM4XPC", "13900139001");
    let sample = copy_of("K7QM4XPB", "9001");
    for copy in mine.iter().chain([&other]) {
        keep_copy(BOOKING, copy, "{}");
    }
    keep_copy(SAMPLE, &sample, "{}");
    forget_copies(BOOKING, "k7qm-4xpb");
    for copy in &mine {
        assert!(kept_copy(BOOKING, copy).is_none(), "{copy} is forgotten");
    }
    assert!(
        kept_copy(BOOKING, &other).is_some(),
        "another booking stays"
    );
    assert!(
        kept_copy(SAMPLE, &sample).is_some(),
        "a copy of another kind stays"
    );
    forget_copies(BOOKING, "K7QM4XPC");
    forget_copies(SAMPLE, "K7QM4XPB");
    assert!(kept_copy(BOOKING, &other).is_none() && kept_copy(SAMPLE, &sample).is_none());
}

#[wasm_bindgen_test]
fn a_booking_remembered_under_any_spelling_of_its_code_is_found_and_forgotten() {
    use labday::store::{forget_booking, phone_for, remember_booking, remembered_bookings};
    // Opened from an address typed in lower case, erased from its page's own code.
    remember_booking("k7qm-4xpb", "13900139001");
    remember_booking("K7QM4XPB", "13900139001");
    assert_eq!(
        remembered_bookings().len(),
        1,
        "one booking, remembered once"
    );
    assert_eq!(phone_for("K7QM-4XPB").as_deref(), Some("13900139001"));
    forget_booking("K7QM4XPB");
    assert!(remembered_bookings().is_empty());
    assert_eq!(phone_for("k7qm4xpb"), None);
}
