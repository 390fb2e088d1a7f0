//! A QR code drawn in the browser as SVG (no image service sees the code).

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc, QrSegment};

/// The symbol of `text` at medium error correction, in byte mode. A booking or sample code
/// (eight characters) fits the smallest symbol, 21 modules, in byte mode as in the denser
/// alphanumeric one; choosing the mode by the text (`QrCode::encode_text`) would link
/// every mode's encoder, and the searches that pick one, into each citizen bundle (about
/// 1.5 KB of brotli).
pub fn symbol(text: &str) -> Option<QrCode> {
    let segments = [QrSegment::make_bytes(text.as_bytes())];
    QrCode::encode_segments(&segments, QrCodeEcc::Medium).ok()
}

/// SVG path data of the dark modules, one unit per module, offset by a 4-module quiet zone;
/// and the side length including the quiet zone.
pub fn qr_path(text: &str) -> Option<(String, i32)> {
    let qr = symbol(text)?;
    let size = qr.size();
    let mut d = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                d.push_str(&format!("M{} {}h1v1h-1z", x + 4, y + 4));
            }
        }
    }
    Some((d, size + 8))
}

#[component]
pub fn QrCode(#[prop(into)] text: String, #[prop(into)] label: Signal<String>) -> impl IntoView {
    qr_path(&text).map(|(d, side)| {
        view! {
            <svg class="qr" viewBox=format!("0 0 {side} {side}") role="img" aria-label=label
                shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">
                <rect width=side height=side fill="#fff"/>
                <path d=d fill="#000"/>
            </svg>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::qr_path;

    #[test]
    fn a_booking_code_fits_a_small_symbol() {
        let (d, side) = qr_path("K7QM4XPB").unwrap();
        // Version 1 (21 modules) plus the quiet zone.
        assert_eq!(side, 29);
        assert!(
            d.starts_with("M4 4h1v1h-1z"),
            "finder pattern starts at the corner"
        );
    }
}
