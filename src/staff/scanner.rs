//! QR scanning with the phone camera through the browser's BarcodeDetector, where the
//! browser has one. Elsewhere the console says so and staff type the code.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
let stream = null, timer = null;
export function scan_supported() {
  return 'BarcodeDetector' in window && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}
export async function start_scan(video, onCode) {
  const detector = new BarcodeDetector({ formats: ['qr_code'] });
  stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  video.srcObject = stream;
  await video.play();
  let last = '';
  timer = setInterval(async () => {
    try {
      const found = await detector.detect(video);
      if (found.length && found[0].rawValue !== last) { last = found[0].rawValue; onCode(last); }
    } catch (_) {}
  }, 250);
}
export function stop_scan() {
  if (timer) clearInterval(timer);
  timer = null;
  if (stream) stream.getTracks().forEach(t => t.stop());
  stream = null;
}
"#)]
extern "C" {
    /// Whether this browser can scan QR codes with a camera.
    pub fn scan_supported() -> bool;
    #[wasm_bindgen(catch)]
    async fn start_scan(
        video: &web_sys::HtmlVideoElement,
        on_code: &js_sys::Function,
    ) -> Result<JsValue, JsValue>;
    /// Stops the camera.
    pub fn stop_scan();
}

/// The callback the camera loop calls with each QR text.
type OnCode = Closure<dyn FnMut(String)>;

thread_local! {
    static ON_CODE: RefCell<Option<OnCode>> = const { RefCell::new(None) };
}

/// Starts the camera in `video`; `on_code` gets every newly seen QR text.
pub async fn start(
    video: &web_sys::HtmlVideoElement,
    on_code: impl FnMut(String) + 'static,
) -> Result<(), String> {
    let closure = OnCode::new(on_code);
    let function: js_sys::Function = closure.as_ref().unchecked_ref::<js_sys::Function>().clone();
    ON_CODE.with(|slot| *slot.borrow_mut() = Some(closure));
    start_scan(video, &function)
        .await
        .map(|_| ())
        .map_err(|e| e.as_string().unwrap_or_else(|| "camera unavailable".into()))
}

/// Stops the camera and drops the callback.
pub fn stop() {
    stop_scan();
    ON_CODE.with(|slot| *slot.borrow_mut() = None);
}
