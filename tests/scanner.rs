//! The staff console's own QR pipeline on a camera-like picture, in headless Chromium: a
//! booking QR rendered by the app's `<QrCode>` (the SVG a citizen shows at the door),
//! photographed as a phone would see it (bigger, turned, blurred, unevenly lit, noisy, in
//! a 1280×720 frame), then read the way the camera loop reads a frame: `grab_frame` scales
//! it onto the working canvas and takes its pixels, `frame::decode_rgba` (what the decoding
//! worker runs) finds the code.
#![cfg(target_arch = "wasm32")]

use labday::components::qr::QrCode;
use labday::staff::scanner::{frame, grab_frame, FrameSource};
use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlImageElement, ImageData};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// The booking page's QR code for `code`, as an image the canvas can draw.
async fn rendered_qr(code: &'static str) -> HtmlImageElement {
    let host: web_sys::HtmlElement = document()
        .create_element("div")
        .unwrap()
        .dyn_into()
        .unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    let _handle = leptos::mount::mount_to(host.clone(), move || {
        view! { <QrCode text=code label=Signal::derive(|| "预约码二维码".to_owned())/> }
    });
    let _ = JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await;
    let svg = host
        .query_selector("svg.qr")
        .unwrap()
        .expect("the app renders an svg");
    let markup = svg.outer_html();
    host.remove();
    let img = HtmlImageElement::new().unwrap();
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        img.set_onload(Some(&resolve));
        img.set_onerror(Some(&reject));
    });
    let url = format!(
        "data:image/svg+xml;charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(&markup))
    );
    img.set_src(&url);
    JsFuture::from(loaded)
        .await
        .expect("the svg loads as an image");
    img
}

fn canvas(width: u32, height: u32) -> (HtmlCanvasElement, CanvasRenderingContext2d) {
    let canvas: HtmlCanvasElement = document()
        .create_element("canvas")
        .unwrap()
        .dyn_into()
        .unwrap();
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx = canvas
        .get_context("2d")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    (canvas, ctx)
}

/// A 1280×720 camera frame: a grey scene with the QR (6 px a module) scaled `scale` times,
/// turned `degrees`, off centre and blurred; then light falling off from left to right
/// and ±`noise` of sensor noise on every pixel.
fn photograph(
    qr: Option<&HtmlImageElement>,
    scale: f64,
    degrees: f64,
    noise: i32,
) -> HtmlCanvasElement {
    let (w, h) = (1280, 720);
    let (canvas, ctx) = canvas(w, h);
    ctx.set_fill_style_str("#8c8c88");
    ctx.fill_rect(0.0, 0.0, w.into(), h.into());
    if let Some(qr) = qr {
        let side = 29.0 * 6.0;
        ctx.set_filter("blur(1.5px)");
        ctx.translate(w as f64 * 0.56, h as f64 * 0.45).unwrap();
        ctx.rotate(degrees.to_radians()).unwrap();
        ctx.scale(scale, scale).unwrap();
        ctx.draw_image_with_html_image_element_and_dw_and_dh(
            qr,
            -side / 2.0,
            -side / 2.0,
            side,
            side,
        )
        .unwrap();
        ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).unwrap();
        ctx.set_filter("none");
    }
    let mut pixels = ctx
        .get_image_data(0.0, 0.0, w.into(), h.into())
        .unwrap()
        .data()
        .0;
    let mut seed: u32 = 0x2545_f491;
    for (i, px) in pixels.chunks_exact_mut(4).enumerate() {
        let x = (i as u32 % w) as f64;
        let light = 1.05 - 0.35 * x / w as f64;
        for c in &mut px[..3] {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let jitter = (seed >> 16) as i32 % (2 * noise + 1) - noise;
            *c = ((*c as f64 * light) as i32 + jitter).clamp(0, 255) as u8;
        }
    }
    let noisy = ImageData::new_with_u8_clamped_array_and_sh(Clamped(&pixels), w, h).unwrap();
    ctx.put_image_data(&noisy, 0.0, 0.0).unwrap();
    canvas
}

/// The console's pipeline on one frame: grab it as the camera loop does, decode it as the
/// worker does.
fn read(frame_source: &HtmlCanvasElement) -> Option<String> {
    let (work, _) = canvas(1, 1);
    let grabbed = grab_frame(FrameSource::Canvas(frame_source), &work, frame::MAX_SIDE)
        .expect("a frame with a picture gives its pixels");
    assert!(
        grabbed.width().max(grabbed.height()) <= frame::MAX_SIDE,
        "scaled down first"
    );
    let started = web_sys::window().unwrap().performance().unwrap().now();
    let text = frame::decode_rgba(
        grabbed.width() as usize,
        grabbed.height() as usize,
        &grabbed.data(),
    );
    let took = web_sys::window().unwrap().performance().unwrap().now() - started;
    web_sys::console::log_1(
        &format!(
            "decoded {}×{} in {took:.0} ms (debug build)",
            grabbed.width(),
            grabbed.height()
        )
        .into(),
    );
    text
}

#[wasm_bindgen_test]
async fn the_console_reads_a_photographed_booking_qr() {
    let qr = rendered_qr("K7QM4XPB").await;
    for (scale, degrees) in [(1.7, 12.0), (1.3, -25.0), (2.2, 180.0 + 8.0)] {
        let photo = photograph(Some(&qr), scale, degrees, 24);
        assert_eq!(
            read(&photo).as_deref(),
            Some("K7QM4XPB"),
            "scaled {scale}×, turned {degrees}°"
        );
    }
}

#[wasm_bindgen_test]
async fn a_frame_without_a_code_reads_nothing_and_an_empty_one_is_skipped() {
    let photo = photograph(None, 1.0, 0.0, 24);
    assert_eq!(read(&photo), None);
    let (empty, _) = canvas(0, 0);
    let (work, _) = canvas(1, 1);
    assert!(grab_frame(FrameSource::Canvas(&empty), &work, frame::MAX_SIDE).is_none());
}
