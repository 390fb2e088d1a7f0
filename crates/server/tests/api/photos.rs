//! Photos for the written summary: uploaded as the raw image, recognised by their first
//! bytes, limited in size, listed, and served to staff of the right organisation only.

use crate::erasure::sqlite_files_hold;
use crate::helpers::{now, Db};
use crate::staff::{expect_call, get_as, sign_in, site, PASSWORD};
use serde_json::{json, Value};

/// A whole PNG, 1 × 1 black (8-bit grey): the signature, its header, one row of pixels
/// (compressed) and its end.
pub(crate) const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0x3a, 0x7e, 0x9b, 0x55, 0, 0, 0, 10, b'I', b'D', b'A', b'T',
    0x78, 0xda, 0x63, 0x60, 0, 0, 0, 2, 0, 1, 0xe5, 0x27, 0xde, 0xfc, 0, 0, 0, 0, b'I', b'E', b'N',
    b'D', 0xae, 0x42, 0x60, 0x82,
];

/// A PNG whole to its end whose pixel data is no compressed data: the server keeps it (it
/// reads the file's structure, not its pixels) and no decoder draws it.
pub(crate) const UNDRAWABLE_PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0x3a, 0x7e, 0x9b, 0x55, 0, 0, 0, 4, b'I', b'D', b'A', b'T', 0, 0,
    0, 0, 0xea, 0x23, 0xe7, 0x07, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xae, 0x42, 0x60, 0x82,
];

/// A PNG chunk: length, type, data and CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let len = u32::try_from(data.len()).unwrap();
    [&len.to_be_bytes()[..], kind, data, &crc.sum().to_be_bytes()].concat()
}

/// A PNG that decodes: `width` × `height` black pixels, one bit each (grey), so that even
/// 11000 × 11000 (121 million pixels, a 121 MB image once decoded) is 15 MB to compress and
/// about 15 KB to send.
pub(crate) fn black_png(width: u32, height: u32) -> Vec<u8> {
    use std::io::Write;
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([1, 0, 0, 0, 0]);
    let row = vec![0u8; 1 + width.div_ceil(8) as usize];
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..height {
        z.write_all(&row).unwrap();
    }
    let idat = z.finish().unwrap();
    [
        &b"\x89PNG\r\n\x1a\n"[..],
        &chunk(b"IHDR", &ihdr),
        &chunk(b"IDAT", &idat),
        &chunk(b"IEND", &[]),
    ]
    .concat()
}

/// A JPEG that decodes, as a camera's encoder writes one: `width` × `height` pixels of a
/// colour gradient, brighter to the right, so which way up it is can be seen.
pub(crate) fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |x, y| {
        let across = u8::try_from(x * 255 / width).unwrap();
        let down = u8::try_from(y * 255 / height).unwrap();
        image::Rgb([across, down, 96])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&pixels)
        .unwrap();
    out
}

/// A little-endian Exif block (APP1's payload) as a phone writes it: IFD0 with the camera's
/// make and, when given, the orientation; IFD1 pointing at `thumbnail`, a whole JPEG, when
/// there is one.
pub(crate) fn exif(orientation: Option<u16>, thumbnail: Option<&[u8]>) -> Vec<u8> {
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        [
            &tag.to_le_bytes()[..],
            &kind.to_le_bytes(),
            &count.to_le_bytes(),
            &value.to_le_bytes(),
        ]
        .concat()
    };
    // Make (ASCII, 4 bytes: held in the entry itself) and Orientation (SHORT).
    let mut ifd0 = vec![entry(0x010F, 2, 4, u32::from_le_bytes(*b"Cam\0"))];
    if let Some(o) = orientation {
        ifd0.push(entry(0x0112, 3, 1, u32::from(o)));
    }
    let ifd0_len = 2 + 12 * ifd0.len() + 4;
    let ifd1_at = u32::try_from(8 + ifd0_len).unwrap();
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend(u16::try_from(ifd0.len()).unwrap().to_le_bytes());
    tiff.extend(ifd0.concat());
    tiff.extend(thumbnail.map_or(0, |_| ifd1_at).to_le_bytes());
    if let Some(thumbnail) = thumbnail {
        let thumbnail_at = ifd1_at + 2 + 12 * 3 + 4;
        let length = u32::try_from(thumbnail.len()).unwrap();
        tiff.extend(3u16.to_le_bytes());
        tiff.extend(entry(0x0103, 3, 1, 6)); // Compression: JPEG.
        tiff.extend(entry(0x0201, 4, 1, thumbnail_at));
        tiff.extend(entry(0x0202, 4, 1, length));
        tiff.extend(0u32.to_le_bytes());
        tiff.extend(thumbnail);
    }
    [&b"Exif\0\0"[..], &tiff].concat()
}

/// `jpeg` with `exif` as an APP1 segment right after its start of image.
pub(crate) fn with_exif(jpeg: &[u8], exif: &[u8]) -> Vec<u8> {
    let len = u16::try_from(exif.len() + 2).unwrap().to_be_bytes();
    [&jpeg[..2], &[0xFF, 0xE1, len[0], len[1]], exif, &jpeg[2..]].concat()
}

/// Where a JPEG's (first) baseline frame header starts.
fn sof_at(jpeg: &[u8]) -> usize {
    jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A lossless WebP that decodes: `width` × `height` pixels of one colour.
pub(crate) fn webp(width: u32, height: u32) -> Vec<u8> {
    let pixels = image::RgbaImage::from_pixel(width, height, image::Rgba([40, 120, 200, 255]));
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .encode(&pixels, width, height, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// Uploads `bytes` as a photo; returns the status and the answer.
pub(crate) async fn upload(
    app: &crate::helpers::TestApp,
    cookie: Option<&str>,
    activity: i64,
    caption: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let mut req = app
        .http
        .post(format!("{}/api/v1/staff/photos", app.url))
        .query(&[
            ("activity_id", activity.to_string()),
            ("caption", caption.to_owned()),
        ])
        .header("content-type", "image/png")
        .body(bytes);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn photos_are_checked_kept_listed_and_served_to_the_right_staff(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let (_, _, chief, _) = sign_in(app, "chief", PASSWORD).await;

    let (status, photo) = upload(
        app,
        lab.as_deref(),
        app.activity_id,
        " 市民参观检测大厅 ",
        PNG.to_vec(),
    )
    .await;
    assert_eq!(status, 201, "{photo}");
    assert_eq!(photo["caption"], "市民参观检测大厅");
    assert_eq!(photo["content_type"], "image/png");
    assert_eq!(photo["size_bytes"], PNG.len());
    assert_eq!(photo["added_by"], "lab-a");
    let id = photo["id"].as_i64().unwrap();

    // The image comes back byte for byte, with its type, to staff only.
    let path = format!("/api/v1/staff/photos/{id}");
    let r = app.get_response(&path, lab.as_deref()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    // Kept in no cache, the browser's own included: a deleted photo, or one seen before
    // signing out on a shared computer, is not left on its disk.
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    let r = app.get_response(&path, None).await;
    assert_eq!(r.status(), 401, "no image without a staff session");

    // Wrong type (declared as PNG but a GIF), no caption, too big: clear field errors.
    let (status, e) = upload(
        app,
        lab.as_deref(),
        app.activity_id,
        "",
        b"GIF89a\x01\x00".to_vec(),
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["code"], "invalid");
    assert_eq!(e["fields"]["photo"], "photo_type");
    assert_eq!(e["fields"]["caption"], "caption_required");
    let mut huge = PNG.to_vec();
    huge.resize(5 * 1024 * 1024 + 1, 0);
    let (status, e) = upload(app, lab.as_deref(), app.activity_id, "合影", huge).await;
    assert_eq!(
        (status, &e["fields"]["photo"]),
        (422, &json!("photo_too_large")),
        "{e}"
    );
    // Far beyond the limit the server answers before reading it all, and may close the
    // connection while the client is still sending: either way nothing is kept. A client of
    // its own, so the closed connection is not reused by the requests after it.
    let mut far_too_big = PNG.to_vec();
    far_too_big.resize(9 * 1024 * 1024, 0);
    let sent = reqwest::Client::new()
        .post(format!("{}/api/v1/staff/photos", app.url))
        .query(&[
            ("activity_id", app.activity_id.to_string()),
            ("caption", "合影".into()),
        ])
        .header("cookie", lab.as_deref().unwrap())
        .body(far_too_big)
        .send()
        .await;
    if let Ok(r) = sent {
        let status = r.status().as_u16();
        let e: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(
            (status, &e["fields"]["photo"]),
            (422, &json!("photo_too_large")),
            "{e}"
        );
    }
    let (status, e) = upload(app, lab.as_deref(), 999_999, "合影", PNG.to_vec()).await;
    assert_eq!((status, &e["code"]), (404, &json!("not_found")));

    // Another organisation's activity and photo are out of reach for lab staff.
    let (status, _) = upload(app, lab.as_deref(), s.other_activity, "合影", PNG.to_vec()).await;
    assert_eq!(status, 403);
    let webp = webp(1, 1);
    let (status, theirs) = upload(app, chief.as_deref(), s.other_activity, "专家讲解", webp).await;
    assert_eq!(
        (status, &theirs["content_type"]),
        (201, &json!("image/webp")),
        "{theirs}"
    );
    let path = format!("/api/v1/staff/photos/{}", theirs["id"]);
    expect_call(app, "GET", &path, lab.as_deref(), None, 403).await;
    let path = "/api/v1/staff/photos/424242";
    expect_call(app, "GET", path, chief.as_deref(), None, 404).await;

    let mine = get_as(app, "/api/v1/staff/photos", lab.as_deref()).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["id"], id);
    let all = get_as(app, "/api/v1/staff/photos", chief.as_deref()).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let path = format!("/api/v1/staff/photos?activity_id={}", s.other_activity);
    let theirs = get_as(app, &path, chief.as_deref()).await;
    assert_eq!(theirs[0]["caption"], "专家讲解");

    let log = get_as(app, "/api/v1/staff/audit?limit=5", chief.as_deref()).await;
    assert_eq!(log[0]["action"], "add_photo", "{log}");
    assert_eq!(log[0]["username"], "chief");
    assert_eq!(log[1]["action"], "add_photo");
    assert_eq!(log[1]["username"], "lab-a");
    assert!(now().date() >= log[0]["at"].as_str().unwrap()[..10].parse().unwrap());

    // Deleted, it is gone, and so are its bytes: on SQLite neither the database file nor
    // its WAL keeps a copy (the WAL is emptied at once, as after an erasure).
    let noisy = noisy_jpeg(64, 64, 90);
    let (status, kept) = upload(app, lab.as_deref(), app.activity_id, "待删", noisy.clone()).await;
    assert_eq!(status, 201, "{kept}");
    let needle = &noisy[noisy.len() / 2..noisy.len() / 2 + 64];
    let sqlite = matches!(app.db, crate::helpers::TestDb::Sqlite { .. });
    assert_eq!(sqlite_files_hold(&app.db, needle), sqlite, "stored");
    let path = format!("/api/v1/staff/photos/{}", kept["id"]);
    expect_call(app, "DELETE", &path, lab.as_deref(), None, 204).await;
    expect_call(app, "GET", &path, lab.as_deref(), None, 404).await;
    assert!(
        !sqlite_files_hold(&app.db, needle),
        "the SQLite file or its WAL still holds the deleted photo"
    );
}

/// A small file declaring a huge image (11000 × 11000 pixels in 15 KB: 121 MB decoded, or
/// 484 MB in colour) is refused from its header, before anything is kept or decoded; the
/// largest photos phones take are kept.
async fn photos_declaring_too_many_pixels_are_refused(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let bomb = black_png(11_000, 11_000);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let (status, e) = upload(app, lab.as_deref(), app.activity_id, "合影", bomb).await;
    assert_eq!(
        (status, &e["fields"]["photo"]),
        (422, &json!("photo_too_large")),
        "{e}"
    );
    let strip = black_png(20_001, 8);
    let (status, e) = upload(app, lab.as_deref(), app.activity_id, "合影", strip).await;
    assert_eq!(
        (status, &e["fields"]["photo"]),
        (422, &json!("photo_too_large"))
    );
    // A PNG whose header is missing says no size: not a PNG that can be kept.
    let headless = PNG[..16].to_vec();
    let (status, e) = upload(app, lab.as_deref(), app.activity_id, "合影", headless).await;
    assert_eq!((status, &e["fields"]["photo"]), (422, &json!("photo_type")));
    let list = get_as(app, "/api/v1/staff/photos", lab.as_deref()).await;
    assert_eq!(list, json!([]), "nothing kept");
    // A 50-megapixel phone's full-size photo (8160 × 6120) is kept.
    let phone = black_png(8160, 6120);
    let (status, e) = upload(app, lab.as_deref(), app.activity_id, "合影", phone).await;
    assert_eq!(status, 201, "{e}");
}

/// A JPEG's size is read from its one frame header. A small frame declared before a huge
/// one, which decoders draw, is refused (it let 9000 × 9000 past the pixel limits); a
/// camera's photo is kept, whose Exif block carries a thumbnail with a frame header of its
/// own.
async fn a_photo_hiding_a_huge_jpeg_frame_behind_a_small_one_is_refused(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let real = jpeg(64, 48);
    let at = sof_at(&real);
    let len = usize::from(u16::from_be_bytes([real[at + 2], real[at + 3]]));
    let mut fake = real[at..at + 2 + len].to_vec();
    fake[5..9].copy_from_slice(&[0, 100, 0, 100]);
    let mut huge = real.clone();
    huge[at + 5..at + 9].copy_from_slice(&[0x23, 0x28, 0x23, 0x28]);
    let crafted = [&huge[..2], &fake, &huge[2..]].concat();
    let (status, e) = upload(app, lab.as_deref(), app.activity_id, "合影", crafted).await;
    assert_eq!(
        (status, &e["fields"]["photo"]),
        (422, &json!("photo_type")),
        "{e}"
    );
    let list = get_as(app, "/api/v1/staff/photos", lab.as_deref()).await;
    assert_eq!(list, json!([]), "nothing kept");

    let photo = with_exif(&jpeg(640, 480), &exif(None, Some(&jpeg(160, 120))));
    let (status, kept) = upload(app, lab.as_deref(), app.activity_id, "合影", photo).await;
    assert_eq!(status, 201, "{kept}");
    let path = format!("/api/v1/staff/photos/{}", kept["id"]);
    let r = app.get_response(&path, lab.as_deref()).await;
    let stored = r.bytes().await.unwrap();
    assert!(
        !contains(&stored, b"Exif"),
        "the Exif block and its thumbnail are gone"
    );
    let image = image::load_from_memory(&stored).unwrap();
    assert_eq!((image.width(), image.height()), (640, 480));
}

/// A file cut short is refused as damaged, whatever its header says: a PNG's header alone
/// (it says its size, and nothing follows), half a phone's JPEG, a WebP without its last
/// bytes; whole ones of each kind are kept.
async fn photos_cut_short_are_refused_as_damaged(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let png = crate::report::real_png();
    let jpeg = with_exif(&jpeg(640, 480), &exif(None, Some(&jpeg(160, 120))));
    let webp = webp(64, 48);
    for cut in [
        png[..33].to_vec(),
        png[..png.len() / 2].to_vec(),
        jpeg[..jpeg.len() / 2].to_vec(),
        jpeg[..jpeg.len() - 2].to_vec(),
        webp[..webp.len() - 1].to_vec(),
    ] {
        let len = cut.len();
        let (status, e) = upload(app, lab.as_deref(), app.activity_id, "合影", cut).await;
        assert_eq!(
            (status, &e["fields"]["photo"]),
            (422, &json!("photo_damaged")),
            "{len} bytes: {e}"
        );
    }
    let list = get_as(app, "/api/v1/staff/photos", lab.as_deref()).await;
    assert_eq!(list, json!([]), "nothing kept");
    for whole in [png, jpeg, webp] {
        let (status, e) = upload(app, lab.as_deref(), app.activity_id, "合影", whole).await;
        assert_eq!(status, 201, "{e}");
    }
}

/// A phone photo stored on its side (Exif Orientation 6: turn a quarter clockwise) is kept
/// turned upright, since its Exif is not kept: 64 × 48 as stored, 48 × 64 as kept, the
/// stored left column on top, and no Exif. One stored upright (Orientation 1, or none)
/// keeps its bytes, less its Exif.
async fn a_photo_stored_on_its_side_is_kept_upright(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let stored = jpeg(64, 48);
    let lab = lab.as_deref();
    let kept = |photo: Value| async move {
        let path = format!("/api/v1/staff/photos/{}", photo["id"]);
        let r = app.get_response(&path, lab).await;
        assert_eq!(r.status(), 200);
        let bytes = r.bytes().await.unwrap().to_vec();
        assert_eq!(photo["size_bytes"], bytes.len());
        bytes
    };

    let phone = with_exif(&stored, &exif(Some(6), Some(&jpeg(16, 12))));
    let (status, photo) = upload(app, lab, app.activity_id, "合影", phone).await;
    assert_eq!(status, 201, "{photo}");
    assert_eq!(photo["content_type"], "image/jpeg");
    let bytes = kept(photo).await;
    assert!(!contains(&bytes, b"Exif"), "no Exif kept");
    let image = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(image.dimensions(), (48, 64), "turned upright");
    // Red grew to the right as stored, green downwards: upright, the stored left column
    // (no red) is the top row, and the stored bottom row (all green) the left column.
    let [red, green, _] = image.get_pixel(0, 0).0;
    assert!(red < 40 && green > 215, "top left {red} {green}");
    let [red, green, _] = image.get_pixel(47, 63).0;
    assert!(red > 215 && green < 40, "bottom right {red} {green}");

    // Stored on its side, whole, but with a frame of 0-bit samples that nothing decodes.
    let mut broken = with_exif(&stored, &exif(Some(6), None));
    let frame = sof_at(&broken);
    broken[frame + 4] = 0;
    let (status, e) = upload(app, lab, app.activity_id, "合影", broken).await;
    assert_eq!(
        (status, &e["fields"]["photo"]),
        (422, &json!("photo_damaged")),
        "{e}"
    );

    for orientation in [Some(1), None] {
        let photo = with_exif(&stored, &exif(orientation, None));
        let (status, photo) = upload(app, lab, app.activity_id, "合影", photo).await;
        assert_eq!(status, 201, "{photo}");
        assert_eq!(
            kept(photo).await,
            stored,
            "{orientation:?}: as sent, less its Exif"
        );
    }
    let (status, photo) = upload(app, lab, app.activity_id, "合影", stored.clone()).await;
    assert_eq!(status, 201, "{photo}");
    assert_eq!(kept(photo).await, stored, "without Exif: as sent");
}

/// The upload limit, which a photo kept must be within whatever was done to it.
const LIMIT: usize = 5 * 1024 * 1024;

/// `count` bytes of noise, the same for the same `seed` (xorshift).
fn noise(seed: u32, count: usize) -> Vec<u8> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// A JPEG of `width` × `height` pixels of noise at `quality`: the worst a photo of a dim
/// room can be for its size, and the most a JPEG grows by when encoded again at a higher
/// quality.
fn noisy_jpeg(width: u32, height: u32, quality: u8) -> Vec<u8> {
    let pixels = noise(7, (width * height * 3) as usize);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode(&pixels, width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A PNG of 256 colours (one byte a pixel, each drawn at random), stored on its side (an
/// `eXIf` chunk saying orientation 6); with some of its colours see-through when
/// `translucent`. Decoded, each pixel takes three bytes (four with transparency), and no
/// PNG of those compresses them.
fn palette_png(width: u32, height: u32, translucent: bool) -> Vec<u8> {
    use std::io::Write;
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 3, 0, 0, 0]);
    let palette = noise(11, 256 * 3);
    let indices = noise(13, (width * height) as usize);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    for row in indices.chunks(width as usize) {
        z.write_all(&[0]).unwrap();
        z.write_all(row).unwrap();
    }
    let mut chunks = vec![chunk(b"IHDR", &ihdr), chunk(b"PLTE", &palette)];
    if translucent {
        chunks.push(chunk(b"tRNS", &[128; 16]));
    }
    chunks.push(chunk(b"eXIf", &exif(Some(6), None)[6..]));
    chunks.push(chunk(b"IDAT", &z.finish().unwrap()));
    chunks.push(chunk(b"IEND", &[]));
    [&b"\x89PNG\r\n\x1a\n"[..], &chunks.concat()].concat()
}

/// A lossy WebP (`VP8 `) as `cwebp -q 90` writes it: the 64 × 48 gradient of [`jpeg`],
/// brighter to the right.
const LOSSY_WEBP: &[u8] = include_bytes!("../fixtures/gradient-64x48-lossy.webp");

/// `webp` (a simple one: `RIFF`, `WEBP`, its one image chunk) of `width` × `height` in an
/// extended WebP, with `exif` after its image as a phone writes it.
fn webp_with_exif(webp: &[u8], width: u32, height: u32, exif: &[u8]) -> Vec<u8> {
    let riff_chunk = |fourcc: &[u8; 4], data: &[u8]| {
        let mut c = fourcc.to_vec();
        c.extend(u32::try_from(data.len()).unwrap().to_le_bytes());
        c.extend(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    };
    // VP8X: the Exif flag, the canvas' sides less one (24 bits each).
    let mut vp8x = vec![0x08, 0, 0, 0];
    vp8x.extend(&(width - 1).to_le_bytes()[..3]);
    vp8x.extend(&(height - 1).to_le_bytes()[..3]);
    let body = [
        &b"WEBP"[..],
        &riff_chunk(b"VP8X", &vp8x),
        &webp[12..],
        &riff_chunk(b"EXIF", exif),
    ]
    .concat();
    let size = u32::try_from(body.len()).unwrap().to_le_bytes();
    [&b"RIFF"[..], &size, &body].concat()
}

/// A kept photo's image as served: its type and bytes, which its listing's size counts.
async fn served(
    app: &crate::helpers::TestApp,
    cookie: Option<&str>,
    photo: &Value,
) -> (String, Vec<u8>) {
    let path = format!("/api/v1/staff/photos/{}", photo["id"]);
    let r = app.get_response(&path, cookie).await;
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    let bytes = r.bytes().await.unwrap().to_vec();
    assert_eq!(photo["size_bytes"], bytes.len());
    (content_type, bytes)
}

/// A photo stored on its side is encoded again once turned upright, and may grow: a noisy
/// JPEG sent at quality 60 (2.7 MB) is 5.8 MB at quality 92. What is kept is within the
/// upload limit all the same: the JPEG at a lower quality, a PNG of 256 colours (7 MB as
/// the PNG of its decoded pixels) as a JPEG. One with transparency, which a JPEG would
/// lose, and over the limit losslessly, is refused saying why; nothing of it is kept.
async fn a_photo_that_grows_when_turned_upright_is_kept_within_the_limit(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let lab = lab.as_deref();

    // Sent within the limit, kept within it as an upright JPEG of `upright` (width, height).
    let kept_as_jpeg = |sent: Vec<u8>, upright: (u32, u32)| async move {
        assert!(sent.len() < LIMIT, "{} bytes sent", sent.len());
        let (status, photo) = upload(app, lab, app.activity_id, "合影", sent).await;
        assert_eq!(status, 201, "{photo}");
        assert_eq!(photo["content_type"], "image/jpeg");
        let (content_type, bytes) = served(app, lab, &photo).await;
        assert!(bytes.len() <= LIMIT, "{} bytes kept", bytes.len());
        assert_eq!(content_type, "image/jpeg");
        let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((image.width(), image.height()), upright, "upright");
    };
    let jpeg = with_exif(&noisy_jpeg(2000, 1500, 60), &exif(Some(6), None));
    kept_as_jpeg(jpeg, (1500, 2000)).await;
    kept_as_jpeg(palette_png(2000, 1200, false), (1200, 2000)).await;

    let sent = palette_png(2000, 1200, true);
    assert!(sent.len() < LIMIT, "{} bytes sent", sent.len());
    let (status, e) = upload(app, lab, app.activity_id, "合影", sent).await;
    assert_eq!(
        (status, &e["fields"]["photo"]),
        (422, &json!("photo_too_large_upright")),
        "{e}"
    );
    let list = get_as(app, "/api/v1/staff/photos", lab).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
}

/// A lossy WebP stored on its side is kept as a JPEG once turned upright (encoded
/// losslessly it would be several times its size), and says so wherever it is served; a
/// lossless one stays a lossless WebP.
async fn a_lossy_webp_turned_upright_is_kept_as_a_jpeg(db: Db) {
    let s = site(db).await;
    let app = &s.app;
    let (_, _, lab, _) = sign_in(app, "lab-a", PASSWORD).await;
    let lab = lab.as_deref();

    let sideways = webp_with_exif(LOSSY_WEBP, 64, 48, &exif(Some(6), None));
    let (status, photo) = upload(app, lab, app.activity_id, "合影", sideways).await;
    assert_eq!(status, 201, "{photo}");
    assert_eq!(photo["content_type"], "image/jpeg");
    let (content_type, bytes) = served(app, lab, &photo).await;
    assert_eq!(content_type, "image/jpeg");
    assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG's bytes");
    let listed = get_as(app, "/api/v1/staff/photos", lab).await;
    assert_eq!(listed[0]["content_type"], "image/jpeg", "{listed}");
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8();
    assert_eq!(image.dimensions(), (48, 64), "turned upright");
    // Upright, the stored left column (no red) is the top row, the stored bottom row (all
    // green) the left column.
    let [red, green, _] = image.get_pixel(0, 0).0;
    assert!(red < 40 && green > 200, "top left {red} {green}");
    let [red, green, _] = image.get_pixel(47, 63).0;
    assert!(red > 200 && green < 40, "bottom right {red} {green}");

    let sideways = webp_with_exif(&webp(64, 48), 64, 48, &exif(Some(6), None));
    let (status, photo) = upload(app, lab, app.activity_id, "合影", sideways).await;
    assert_eq!(status, 201, "{photo}");
    assert_eq!(photo["content_type"], "image/webp");
    let (content_type, bytes) = served(app, lab, &photo).await;
    assert_eq!(content_type, "image/webp");
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP).unwrap();
    assert_eq!((image.width(), image.height()), (48, 64), "turned upright");
}

crate::on_both_databases!(
    photos_are_checked_kept_listed_and_served_to_the_right_staff,
    photos_declaring_too_many_pixels_are_refused,
    a_photo_hiding_a_huge_jpeg_frame_behind_a_small_one_is_refused,
    photos_cut_short_are_refused_as_damaged,
    a_photo_stored_on_its_side_is_kept_upright,
    a_photo_that_grows_when_turned_upright_is_kept_within_the_limit,
    a_lossy_webp_turned_upright_is_kept_as_a_jpeg,
);
