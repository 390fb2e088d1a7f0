//! Reading a QR code from a camera frame in WebAssembly, for browsers without
//! `BarcodeDetector` (iPhones, Firefox, desktop Chrome): the frame's RGBA pixels, as the
//! canvas hands them over, turned to grey and searched by `rqrr`. It runs in its own Web
//! Worker (`src/bin/labday-qr-worker.rs`, [`serve`]), off the page's thread, and a decoder
//! that fails hard takes only the worker down: the camera loop starts a new one.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Frames are scaled down until their longer side is at most this many pixels before they
/// are read: a booking code held up to a phone still has several pixels per module, and a
/// frame is read in tens of milliseconds.
pub const MAX_SIDE: u32 = 720;

/// The text of the first readable QR code in an RGBA image `width` × `height` pixels wide
/// (four bytes a pixel, row by row, as `ImageData` holds them). `None` when there is none,
/// or when the buffer does not hold exactly that image.
pub fn decode_rgba(width: usize, height: usize, rgba: &[u8]) -> Option<String> {
    let side = MAX_SIDE as usize * 2;
    if width == 0 || height == 0 || width > side || height > side {
        return None;
    }
    if rgba.len() != width.checked_mul(height)?.checked_mul(4)? {
        return None;
    }
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        let i = (y * width + x) * 4;
        luma(rgba[i], rgba[i + 1], rgba[i + 2])
    });
    image
        .detect_grids()
        .iter()
        .find_map(|grid| grid.decode().ok().map(|(_, text)| text))
}

/// Perceived brightness (ITU-R BT.601 weights, in integers).
fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((u32::from(r) * 77 + u32::from(g) * 150 + u32::from(b) * 29) >> 8) as u8
}

/// The worker's side of the camera loop: says `{ready: true}` once it listens, then answers
/// each `{width, height, data}` (an RGBA `ArrayBuffer`) with `{text}` (the code, or null).
pub fn serve() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let text = read_request(&e.data());
            let _ = reply.post_message(&answer("text", text.map_or(JsValue::NULL, JsValue::from)));
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&answer("ready", JsValue::TRUE));
}

/// `{key: value}`.
fn answer(key: &str, value: JsValue) -> JsValue {
    let object = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&object, &key.into(), &value);
    object.into()
}

/// Decodes one request from the page; anything malformed reads as "no code".
fn read_request(data: &JsValue) -> Option<String> {
    let number = |key: &str| {
        js_sys::Reflect::get(data, &key.into())
            .ok()?
            .as_f64()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| n as usize)
    };
    let (width, height) = (number("width")?, number("height")?);
    let buffer = js_sys::Reflect::get(data, &"data".into()).ok()?;
    let buffer = buffer.dyn_into::<js_sys::ArrayBuffer>().ok()?;
    let pixels = js_sys::Uint8Array::new(&buffer).to_vec();
    decode_rgba(width, height, &pixels)
}

#[cfg(test)]
mod tests {
    use super::decode_rgba;
    use crate::components::qr::symbol;

    /// A `code` symbol as the booking page draws it (medium error correction, a 4-module
    /// quiet zone), `module` pixels a module, turned by `degrees` about the centre of a
    /// `side`-pixel grey frame, dark `ink` on light `paper`, with deterministic noise of
    /// ±`noise` on every pixel.
    fn photo(code: &str, module: f64, degrees: f64, side: usize, noise: i32) -> Vec<u8> {
        let qr = symbol(code).unwrap();
        let n = qr.size();
        let (sin, cos) = degrees.to_radians().sin_cos();
        let centre = side as f64 / 2.0;
        let half = (n + 8) as f64 / 2.0;
        let mut seed: u32 = 0x9e37_79b9;
        let mut rgba = Vec::with_capacity(side * side * 4);
        for y in 0..side {
            for x in 0..side {
                let (dx, dy) = (x as f64 - centre, y as f64 - centre);
                let u = (cos * dx + sin * dy) / module + half - 4.0;
                let v = (-sin * dx + cos * dy) / module + half - 4.0;
                let inside =
                    (-4.0..(n + 4) as f64).contains(&u) && (-4.0..(n + 4) as f64).contains(&v);
                let dark = inside && qr.get_module(u.floor() as i32, v.floor() as i32);
                let base = if dark {
                    40
                } else if inside {
                    215
                } else {
                    128
                };
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let jitter = (seed >> 16) as i32 % (2 * noise + 1) - noise;
                let grey = (base + jitter).clamp(0, 255) as u8;
                rgba.extend_from_slice(&[grey, grey, grey, 255]);
            }
        }
        rgba
    }

    #[test]
    fn reads_a_turned_noisy_booking_code() {
        for degrees in [0.0, 12.0, -33.0, 90.0] {
            let img = photo("K7QM4XPB", 6.8, degrees, 480, 30);
            assert_eq!(
                decode_rgba(480, 480, &img).as_deref(),
                Some("K7QM4XPB"),
                "turned {degrees}°"
            );
        }
    }

    #[test]
    fn reads_a_sample_code_and_odd_text() {
        for text in ["S-3F9K2M7Q", "预约码 K7QM4XPB ✓"] {
            let img = photo(text, 5.0, 7.0, 400, 10);
            assert_eq!(decode_rgba(400, 400, &img).as_deref(), Some(text));
        }
    }

    #[test]
    fn nothing_to_read_is_none() {
        let grey = vec![128u8; 64 * 48 * 4];
        assert_eq!(decode_rgba(64, 48, &grey), None);
        let noise: Vec<u8> = (0..200 * 200 * 4)
            .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        assert_eq!(decode_rgba(200, 200, &noise), None);
    }

    #[test]
    fn a_buffer_that_is_not_the_image_is_refused() {
        let img = photo("K7QM4XPB", 6.0, 0.0, 240, 0);
        assert_eq!(decode_rgba(240, 240, &img[..img.len() - 4]), None);
        assert_eq!(decode_rgba(0, 240, &[]), None);
        assert_eq!(decode_rgba(usize::MAX, 2, &img), None);
        assert_eq!(decode_rgba(240, 240, &img).as_deref(), Some("K7QM4XPB"));
    }
}
