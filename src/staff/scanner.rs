//! QR scanning with the phone's camera, on every browser that lets a page use it
//! (`getUserMedia`: Android, iPhone Safari and WeChat, Firefox, desktop). Where the browser
//! has a `BarcodeDetector` that reads QR codes it does the reading; elsewhere every ~150 ms
//! a frame of the video is drawn onto a canvas ([`grab_frame`]) and its pixels are read in
//! WebAssembly ([`frame`]) in a Web Worker, so the page never waits on the decoder. The
//! torch is offered where the camera has one; a refusal, a missing camera or a busy one is
//! said in words ([`CameraError`]), and the typed code stays the way that always works.
//!
//! Written against `web-sys` rather than inline JavaScript: wasm-bindgen writes every
//! inline snippet of the crate into every bundle, and Trunk preloads it.

pub mod frame;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlCanvasElement, HtmlVideoElement, ImageData, MediaStream};

/// The decoding worker (Trunk builds `src/bin/labday-qr-worker.rs` beside the console).
const WORKER_URL: &str = "/staff/labday-qr-worker_loader.js";

/// How long the loop rests between two frames, in milliseconds.
const EVERY_MS: i32 = 150;

/// A worker that died this many times is not started again while the camera runs.
const WORKER_RETRIES: u32 = 5;

/// The same code is reported again only after it has been out of view this long (ms).
const FORGET_AFTER_MS: f64 = 3000.0;

/// Whether this page can use a camera at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    Ready,
    /// Browsers offer the camera only to pages served over https (or from this machine).
    NeedsHttps,
    /// The browser has no camera interface.
    Unsupported,
}

pub fn availability() -> Availability {
    let Some(window) = web_sys::window() else {
        return Availability::Unsupported;
    };
    let devices = window.navigator().media_devices().ok();
    let has_get_user_media =
        devices.is_some_and(|d| get(&d, "getUserMedia").is_some_and(|f| f.is_function()));
    if has_get_user_media {
        Availability::Ready
    } else if !window.is_secure_context() {
        Availability::NeedsHttps
    } else {
        Availability::Unsupported
    }
}

/// Why the camera did not start, from the browser's error name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CameraError {
    /// The person (or a setting) refused the permission: `NotAllowedError`.
    Denied,
    /// No camera, or none that can film the code: `NotFoundError`, `OverconstrainedError`.
    NoCamera,
    /// The camera is there but would not start (another app holds it): `NotReadableError`.
    Busy,
    Other,
}

impl CameraError {
    pub fn from_name(name: &str) -> CameraError {
        match name {
            "NotAllowedError" | "SecurityError" | "PermissionDeniedError" => CameraError::Denied,
            "NotFoundError" | "OverconstrainedError" | "DevicesNotFoundError" => {
                CameraError::NoCamera
            }
            "NotReadableError" | "TrackStartError" | "AbortError" => CameraError::Busy,
            _ => CameraError::Other,
        }
    }

    fn of(error: &JsValue) -> CameraError {
        let name = get(error, "name").and_then(|n| n.as_string());
        CameraError::from_name(name.as_deref().unwrap_or_default())
    }
}

/// The camera once it runs: whether it has a torch to offer.
pub struct Started {
    pub torch: bool,
}

/// What a `<video>` or `<canvas>` frame is drawn from.
pub enum FrameSource<'a> {
    Video(&'a HtmlVideoElement),
    Canvas(&'a HtmlCanvasElement),
}

/// Draws `source` onto `canvas`, scaled down until its longer side is at most `max_side`,
/// and returns the pixels; `None` while the source has no picture yet. The camera loop
/// hands these to the decoder.
pub fn grab_frame(
    source: FrameSource,
    canvas: &HtmlCanvasElement,
    max_side: u32,
) -> Option<ImageData> {
    let (w, h) = match source {
        FrameSource::Video(v) => (v.video_width(), v.video_height()),
        FrameSource::Canvas(c) => (c.width(), c.height()),
    };
    if w == 0 || h == 0 {
        return None;
    }
    let scale = (f64::from(max_side) / f64::from(w.max(h))).min(1.0);
    let sw = ((f64::from(w) * scale).round() as u32).max(1);
    let sh = ((f64::from(h) * scale).round() as u32).max(1);
    if canvas.width() != sw {
        canvas.set_width(sw);
    }
    if canvas.height() != sh {
        canvas.set_height(sh);
    }
    let options = object(&[("willReadFrequently", JsValue::TRUE)]);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context_with_context_options("2d", &options)
        .ok()??
        .dyn_into()
        .ok()?;
    let (dw, dh) = (f64::from(sw), f64::from(sh));
    match source {
        FrameSource::Video(v) => {
            ctx.draw_image_with_html_video_element_and_dw_and_dh(v, 0.0, 0.0, dw, dh)
        }
        FrameSource::Canvas(c) => {
            ctx.draw_image_with_html_canvas_element_and_dw_and_dh(c, 0.0, 0.0, dw, dh)
        }
    }
    .ok()?;
    ctx.get_image_data(0.0, 0.0, dw, dh).ok()
}

/// The running camera.
struct Camera {
    stream: MediaStream,
    video: HtmlVideoElement,
    canvas: HtmlCanvasElement,
    on_code: Rc<dyn Fn(String)>,
    last: String,
    seen_at: f64,
}

thread_local! {
    static CAMERA: RefCell<Option<Camera>> = const { RefCell::new(None) };
    static GENERATION: Cell<u32> = const { Cell::new(0) };
}

/// Starts the camera in `video`; `on_code` gets every newly seen QR text (the same text
/// again only after it has been out of view for three seconds).
pub async fn start(
    video: &HtmlVideoElement,
    on_code: impl Fn(String) + 'static,
) -> Result<Started, CameraError> {
    stop();
    let generation = GENERATION.with(|g| g.get());
    let window = web_sys::window().ok_or(CameraError::Other)?;
    let devices = window
        .navigator()
        .media_devices()
        .map_err(|_| CameraError::Other)?;
    let constraints = web_sys::MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::FALSE);
    let ideal = |v: JsValue| object(&[("ideal", v)]);
    constraints.set_video(&object(&[
        ("facingMode", ideal("environment".into())),
        ("width", ideal(1280.into())),
        ("height", ideal(720.into())),
    ]));
    let asked = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| CameraError::of(&e))?;
    let stream: MediaStream = JsFuture::from(asked)
        .await
        .map_err(|e| CameraError::of(&e))?
        .unchecked_into();
    if GENERATION.with(|g| g.get()) != generation {
        // Stopped while the permission was asked.
        stop_tracks(&stream);
        return Ok(Started { torch: false });
    }
    // iOS Safari plays a camera inline only in a muted, `playsinline` video.
    video.set_muted(true);
    let _ = video.set_attribute("playsinline", "");
    let _ = video.set_attribute("muted", "");
    video.set_src_object(Some(&stream));
    if let Ok(playing) = video.play() {
        if let Err(e) = JsFuture::from(playing).await {
            stop_tracks(&stream);
            return Err(CameraError::of(&e));
        }
    }
    let document = window.document().ok_or(CameraError::Other)?;
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| CameraError::Other)?
        .unchecked_into();
    let torch = has_torch(&stream);
    CAMERA.with(|c| {
        *c.borrow_mut() = Some(Camera {
            stream,
            video: video.clone(),
            canvas,
            on_code: Rc::new(on_code),
            last: String::new(),
            seen_at: 0.0,
        })
    });
    wasm_bindgen_futures::spawn_local(read_frames(generation));
    Ok(Started { torch })
}

/// Stops the camera and the decoder.
pub fn stop() {
    GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    if let Some(camera) = CAMERA.with(|c| c.borrow_mut().take()) {
        stop_tracks(&camera.stream);
        camera.video.set_src_object(None);
    }
}

/// Turns the torch on or off; whether the camera did it.
pub async fn set_torch(on: bool) -> bool {
    let Some(track) = CAMERA.with(|c| c.borrow().as_ref().and_then(|c| video_track(&c.stream)))
    else {
        return false;
    };
    let advanced = js_sys::Array::of1(&object(&[("torch", on.into())]));
    let constraints = object(&[("advanced", advanced.into())]);
    let Some(apply) =
        get(&track, "applyConstraints").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return false;
    };
    match apply.call1(&track, &constraints) {
        Ok(promise) => JsFuture::from(js_sys::Promise::from(promise)).await.is_ok(),
        Err(_) => false,
    }
}

/// The loop of one camera run: rest, read a frame, report a code; ends when the camera
/// stops (or another starts).
async fn read_frames(generation: u32) {
    let running = move || GENERATION.with(|g| g.get()) == generation;
    let mut detector = native_detector().await;
    let mut decoder: Option<Decoder> = None;
    let mut deaths = 0;
    while running() {
        sleep(EVERY_MS).await;
        if !running() {
            break;
        }
        let Some((video, canvas)) = CAMERA.with(|c| {
            c.borrow()
                .as_ref()
                .map(|c| (c.video.clone(), c.canvas.clone()))
        }) else {
            break;
        };
        if video.ready_state() < 2 {
            continue;
        }
        let found = if let Some(d) = &detector {
            match detect(d, &video).await {
                Ok(found) => found,
                Err(()) => {
                    detector = None;
                    continue;
                }
            }
        } else {
            if decoder.is_none() && deaths < WORKER_RETRIES {
                decoder = Decoder::start().await;
                deaths += u32::from(decoder.is_none());
                continue;
            }
            let Some(d) = &decoder else {
                continue;
            };
            let Some(frame) = grab_frame(FrameSource::Video(&video), &canvas, frame::MAX_SIDE)
            else {
                continue;
            };
            match d.read(&frame).await {
                Ok(found) => found,
                Err(()) => {
                    decoder = None;
                    deaths += 1;
                    continue;
                }
            }
        };
        if let Some(text) = found {
            if running() {
                seen(text);
            }
        }
    }
}

/// Reports `text` unless it is the code still in view.
fn seen(text: String) {
    let now = js_sys::Date::now();
    let report = CAMERA.with(|c| {
        let mut c = c.borrow_mut();
        let camera = c.as_mut()?;
        let new = text != camera.last || now - camera.seen_at > FORGET_AFTER_MS;
        camera.last.clone_from(&text);
        camera.seen_at = now;
        new.then(|| camera.on_code.clone())
    });
    if let Some(on_code) = report {
        on_code(text);
    }
}

/// The browser's own QR reader, where it has one that reads QR codes.
async fn native_detector() -> Option<JsValue> {
    let window = web_sys::window()?;
    let class: js_sys::Function = get(&window, "BarcodeDetector")?.dyn_into().ok()?;
    let formats = get(&class, "getSupportedFormats")?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let formats = JsFuture::from(js_sys::Promise::from(formats.call0(&class).ok()?))
        .await
        .ok()?;
    let formats: js_sys::Array = formats.dyn_into().ok()?;
    if !formats.includes(&"qr_code".into(), 0) {
        return None;
    }
    let options = object(&[("formats", js_sys::Array::of1(&"qr_code".into()).into())]);
    js_sys::Reflect::construct(&class, &js_sys::Array::of1(&options)).ok()
}

/// The first QR text the browser's reader finds in the video; `Err` when it failed.
async fn detect(detector: &JsValue, video: &HtmlVideoElement) -> Result<Option<String>, ()> {
    let detect: js_sys::Function = get(detector, "detect")
        .ok_or(())?
        .dyn_into()
        .map_err(|_| ())?;
    let promise = detect.call1(detector, video).map_err(|_| ())?;
    let found = JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map_err(|_| ())?;
    let found: js_sys::Array = found.dyn_into().map_err(|_| ())?;
    Ok(get(&found.get(0), "rawValue").and_then(|v| v.as_string()))
}

/// The decoding worker and its one outstanding question.
struct Decoder {
    worker: web_sys::Worker,
    /// The promise functions of the question waiting for the worker's answer.
    waiting: Rc<RefCell<Option<(js_sys::Function, js_sys::Function)>>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl Decoder {
    /// Starts a worker and waits until it listens; `None` if it fails to.
    async fn start() -> Option<Decoder> {
        let worker = web_sys::Worker::new(WORKER_URL).ok()?;
        let waiting: Rc<RefCell<Option<(js_sys::Function, js_sys::Function)>>> = Rc::default();
        let on_answer = waiting.clone();
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                if let Some((resolve, _)) = on_answer.borrow_mut().take() {
                    let _ = resolve.call1(&JsValue::NULL, &e.data());
                }
            });
        let on_failure = waiting.clone();
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            if let Some(prevent) =
                get(&e, "preventDefault").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            {
                let _ = prevent.call0(&e);
            }
            if let Some((_, reject)) = on_failure.borrow_mut().take() {
                let _ = reject.call0(&JsValue::NULL);
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let decoder = Decoder {
            worker,
            waiting,
            _on_message: on_message,
            _on_error: on_error,
        };
        // A worker that cannot load its WebAssembly may never say anything.
        let silence = after(20_000, true);
        let hello = js_sys::Promise::race(&js_sys::Array::of2(&decoder.ask(), &silence));
        let hello = JsFuture::from(hello).await.ok()?;
        get(&hello, "ready").filter(JsValue::is_truthy)?;
        Some(decoder)
    }

    /// The worker's next message; rejected if it dies first.
    fn ask(&self) -> js_sys::Promise {
        let waiting = self.waiting.clone();
        js_sys::Promise::new(&mut |resolve, reject| {
            *waiting.borrow_mut() = Some((resolve, reject));
        })
    }

    /// The worker's reading of `frame` (its pixels are handed over, not copied).
    async fn read(&self, frame: &ImageData) -> Result<Option<String>, ()> {
        let pixels: js_sys::Uint8ClampedArray = get(frame, "data").ok_or(())?.unchecked_into();
        let pixels = pixels.buffer();
        let request = object(&[
            ("width", frame.width().into()),
            ("height", frame.height().into()),
            ("data", pixels.clone().into()),
        ]);
        let answer = self.ask();
        self.worker
            .post_message_with_transfer(&request, &js_sys::Array::of1(&pixels))
            .map_err(|_| ())?;
        let answer = JsFuture::from(answer).await.map_err(|_| ())?;
        Ok(get(&answer, "text").and_then(|t| t.as_string()))
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        self.worker.terminate();
        if let Some((_, reject)) = self.waiting.borrow_mut().take() {
            let _ = reject.call0(&JsValue::NULL);
        }
    }
}

fn video_track(stream: &MediaStream) -> Option<web_sys::MediaStreamTrack> {
    stream.get_video_tracks().get(0).dyn_into().ok()
}

fn stop_tracks(stream: &MediaStream) {
    for track in stream.get_tracks() {
        if let Ok(track) = track.dyn_into::<web_sys::MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// Whether the camera says it has a torch (`getCapabilities().torch`; Chrome on Android).
fn has_torch(stream: &MediaStream) -> bool {
    let Some(track) = video_track(stream) else {
        return false;
    };
    let Some(capabilities) =
        get(&track, "getCapabilities").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return false;
    };
    capabilities
        .call0(&track)
        .ok()
        .and_then(|c| get(&c, "torch"))
        .is_some_and(|t| t.is_truthy())
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: i32) {
    let _ = JsFuture::from(after(ms, false)).await;
}

/// A promise settled after `ms` milliseconds: resolved, or rejected when `fail`.
fn after(ms: i32, fail: bool) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, reject| {
        if let Some(window) = web_sys::window() {
            let settle = if fail { reject } else { resolve };
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&settle, ms);
        }
    })
}

/// `target[key]`, when it is there.
fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(target, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// A plain object `{key: value, …}`.
fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in entries {
        let _ = js_sys::Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}

#[cfg(test)]
mod tests {
    use super::CameraError;

    #[test]
    fn browser_errors_read_as_what_staff_can_do() {
        for (name, reads) in [
            ("NotAllowedError", CameraError::Denied),
            ("NotFoundError", CameraError::NoCamera),
            ("OverconstrainedError", CameraError::NoCamera),
            ("NotReadableError", CameraError::Busy),
            ("", CameraError::Other),
            ("TypeError", CameraError::Other),
        ] {
            assert_eq!(CameraError::from_name(name), reads, "{name:?}");
        }
    }
}
