//! Scanning at the door with the phone's camera where the browser has no `BarcodeDetector`
//! (headless Chromium on Linux has none, like Safari and Firefox): Chromium's fake camera
//! films a booking QR code as the citizen's booking page draws it, and the roster checks
//! the visitor in from the camera alone, through the console's WebAssembly decoder in its
//! worker. A refused camera permission is said in words, and the typed code still works.

use crate::staff::sign_in;
use crate::support::{open_browser_with, open_with_fixture, Journey, PHONE_VIEWPORT};
use labday_domain::SessionFormat;

const FRAME: (usize, usize) = (640, 480);

/// The booking page's QR code (its `svg.qr`) photographed into a grey 640×480 frame,
/// turned 10° and a little off centre, as the luma (Y) plane of a video frame.
const PHOTOGRAPH: &str = r#"
const done = arguments[arguments.length - 1];
const svg = document.querySelector('svg.qr');
const img = new Image();
img.onload = () => {
  const c = document.createElement('canvas');
  c.width = 640; c.height = 480;
  const x = c.getContext('2d');
  x.fillStyle = '#9a9a96'; x.fillRect(0, 0, 640, 480);
  x.translate(340, 230); x.rotate(10 * Math.PI / 180);
  x.drawImage(img, -120, -120, 240, 240);
  const d = x.getImageData(0, 0, 640, 480).data;
  let hex = '';
  for (let i = 0; i < d.length; i += 4) {
    hex += ((d[i] * 77 + d[i + 1] * 150 + d[i + 2] * 29) >> 8).toString(16).padStart(2, '0');
  }
  done(hex);
};
img.onerror = () => done(null);
img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg.outerHTML);
"#;

/// A Y4M video (what `--use-file-for-fake-video-capture` plays, in a loop) of `luma`.
fn y4m(luma: &[u8]) -> Vec<u8> {
    let (w, h) = FRAME;
    assert_eq!(luma.len(), w * h);
    let mut video = format!("YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..3 {
        video.extend_from_slice(b"FRAME\n");
        video.extend_from_slice(luma);
        video.extend(std::iter::repeat_n(128u8, w * h / 2));
    }
    video
}

fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Chromium whose camera (always allowed) films `video`.
async fn browser_filming(video: &std::path::Path) -> Option<Journey> {
    let args = [
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--use-file-for-fake-video-capture={}", video.display()),
    ];
    open_browser_with(PHONE_VIEWPORT, &args).await
}

async fn has_barcode_detector(browser: &Journey) -> bool {
    browser
        .js("return 'BarcodeDetector' in window;")
        .await
        .as_bool()
        .expect("a boolean")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roster_checks_a_visitor_in_from_the_camera_without_barcode_detector() {
    let (citizen, server, f) = or_skip!(open_with_fixture(SessionFormat::Visit, 20, None).await);
    server
        .add_lab_staff(f.session, "lab-door", "门口 李工", "open-day-2026")
        .await;
    // A citizen books and is shown the QR code; it is filmed from their screen.
    citizen.open_booking_form(&server, f.session).await;
    citizen.submit_booking("扫码访客", "13800138077").await;
    citizen.wait_text("预约成功").await;
    citizen.wait_css("svg.qr path").await;
    let hex = citizen
        .js_async(PHOTOGRAPH, "the QR code is photographed")
        .await;
    let luma = from_hex(hex.as_str().expect("the frame's pixels"));
    citizen.close().await;
    // The session's day has come: its door checks visitors in.
    server.move_to_today(f.session, "lab-door").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let video = dir.path().join("booking-qr.y4m");
    std::fs::write(&video, y4m(&luma)).expect("writes the video");

    let door = or_skip!(browser_filming(&video).await);
    door.open(&server, "/staff/").await;
    sign_in(&door, "lab-door", "open-day-2026", "门口 李工").await;
    door.open(&server, &format!("/staff/sessions/{}", f.session))
        .await;
    door.wait_text("13800138077").await;
    assert!(
        !has_barcode_detector(&door).await,
        "this Chromium has a BarcodeDetector: the journey would not test the WebAssembly decoder"
    );
    door.click("button", "扫码签到").await;
    door.wait_text("已签到: 扫码访客 · 1 人").await;
    assert_eq!(
        door.count("video.scanner:not([hidden])").await,
        1,
        "the camera keeps running for the next visitor"
    );
    door.click("button", "停止扫码").await;
    assert_eq!(door.count("video.scanner:not([hidden])").await, 0);
    let roster = server.storage.roster(f.session).await.unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].checked_in, 1, "checked in once, from one scan");
    door.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_camera_is_said_in_words_and_the_typed_code_still_works() {
    let args = [
        "--use-fake-ui-for-media-stream=deny".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
    ];
    let door = or_skip!(open_browser_with(PHONE_VIEWPORT, &args).await);
    let server = crate::support::start_server(false).await;
    let f = crate::support::fixture(&server, SessionFormat::Visit, 20, None).await;
    server
        .add_lab_staff(f.session, "lab-door", "门口 李工", "open-day-2026")
        .await;
    let booked = server.book(f.session, "访客甲", "13800138078", 2, 0).await;
    server.move_to_today(f.session, "lab-door").await;
    door.open(&server, "/staff/").await;
    sign_in(&door, "lab-door", "open-day-2026", "门口 李工").await;
    door.open(&server, &format!("/staff/sessions/{}", f.session))
        .await;
    door.click("button", "扫码签到").await;
    let said = door.text_of("[data-testid=camera-error]").await;
    assert!(said.contains("未获得相机权限"), "{said}");
    assert_eq!(door.count("video.scanner:not([hidden])").await, 0);
    door.click("button", "English").await;
    let said = door.text_of("[data-testid=camera-error]").await;
    assert!(said.starts_with("Camera permission was refused"), "{said}");
    door.fill("Check in by booking code", booked["code"].as_str().unwrap())
        .await;
    door.click("button", "Check in").await;
    door.wait_text("Checked in: 访客甲 · party of 2").await;
    let roster = server.storage.roster(f.session).await.unwrap();
    assert_eq!(roster[0].checked_in, 2);
    door.close().await;
}
