//! Photos of an activity for the written summary every event must file: an image and its
//! caption. Only JPEG, PNG and WebP are kept, recognised by their first bytes — never by a
//! file name or a declared type, which a browser or a person can get wrong.

mod complete;
mod dimensions;
mod metadata;
mod upright;
#[cfg(test)]
mod webp_files;

pub use complete::is_complete;
pub use dimensions::dimensions;
pub use metadata::{orientation, strip_metadata};
pub use upright::{fit, is_lossy, upright_encodings, Encoding, JPEG_QUALITIES};

use crate::error::{ApiError, ErrorCode, FieldCode};
use crate::text::short_text;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Largest photo accepted, in bytes (5 MiB: a phone photo, not a RAW file).
pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;
/// Most pixels a photo may have (50 megapixels). A phone's largest ordinary photo passes:
/// a 48 MP iPhone's is 8064 × 6048 (48.8 MP), a 50 MP sensor's 8160 × 6120 (49.9 MP).
/// Decoded, such a photo takes 150–200 MB; what more it declares is memory, not detail, at
/// the 14 cm a report prints it (an 11000 × 11000 PNG of 470 KB decodes to 484 MB).
pub const PHOTO_MAX_PIXELS: u64 = 50_000_000;
/// Longest side of a photo, in pixels: room for a phone's panorama, none for a strip of a
/// million pixels by one.
pub const PHOTO_MAX_SIDE: u32 = 20_000;
/// Longest caption, in characters.
pub const CAPTION_MAX_CHARS: usize = 200;

/// The image formats a summary may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
}

impl ImageType {
    /// The image's media type, as stored and served.
    pub fn mime(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
            ImageType::Webp => "image/webp",
        }
    }

    /// The format these bytes start with, if it is one we keep.
    pub fn sniff(bytes: &[u8]) -> Option<ImageType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageType::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(ImageType::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageType::Webp)
        } else {
            None
        }
    }
}

/// A photo that passed [`validate_photo`]: a kept format, within the size limits, with a
/// trimmed caption.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidPhoto {
    activity_id: i64,
    caption: String,
    image_type: ImageType,
    bytes: Vec<u8>,
    orientation: u8,
}

// Megabytes of image bytes in a log line help nobody.
impl std::fmt::Debug for ValidPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidPhoto")
            .field("activity_id", &self.activity_id)
            .field("image_type", &self.image_type)
            .field("size", &self.bytes.len())
            .field("orientation", &self.orientation)
            .finish_non_exhaustive()
    }
}

impl ValidPhoto {
    pub fn activity_id(&self) -> i64 {
        self.activity_id
    }
    pub fn caption(&self) -> &str {
        &self.caption
    }
    pub fn image_type(&self) -> ImageType {
        self.image_type
    }
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The Exif orientation the upload carried ([`orientation`]), which its kept bytes no
    /// longer say: 1 when its pixels are stored upright, 2–8 when they must still be turned
    /// (by whoever can decode them: [`ValidPhoto::upright`]).
    pub fn orientation(&self) -> u8 {
        self.orientation
    }
    /// The same photo with `bytes` as its image: its pixels turned upright as its
    /// [`orientation`](ValidPhoto::orientation) said, without metadata, in the format their
    /// first bytes say ([`ImageType::sniff`]: its own, or a JPEG when that is what it is
    /// kept as, [`upright_encodings`]). `None` when they are no format we keep, or more
    /// than [`PHOTO_MAX_BYTES`] ([`fit`]), the limit every kept photo is within.
    pub fn upright(self, bytes: Vec<u8>) -> Option<ValidPhoto> {
        let image_type = ImageType::sniff(&bytes).filter(|_| fit(&bytes))?;
        Some(ValidPhoto {
            image_type,
            bytes,
            orientation: 1,
            ..self
        })
    }
}

/// Whether a photo of `width` × `height` pixels is within [`PHOTO_MAX_PIXELS`] and
/// [`PHOTO_MAX_SIDE`] (and not empty).
pub fn fits_pixel_limits(width: u32, height: u32) -> bool {
    (1..=PHOTO_MAX_SIDE).contains(&width)
        && (1..=PHOTO_MAX_SIDE).contains(&height)
        && u64::from(width) * u64::from(height) <= PHOTO_MAX_PIXELS
}

/// A caption (1–200 characters, no control characters) and an image of a kept format of at
/// most [`PHOTO_MAX_BYTES`], whose header says its size ([`dimensions`]: a file without one
/// is no image of that format), within [`fits_pixel_limits`], and whose data runs to its
/// end ([`is_complete`]: a file cut short is `photo_damaged`); every broken rule is reported
/// against its field (`caption`, `photo`). The image is kept without its metadata
/// (position, device: [`strip_metadata`]); the orientation that metadata gave is kept
/// beside it ([`ValidPhoto::orientation`]), for the pixels to be turned.
pub fn validate_photo(
    activity_id: i64,
    caption: &str,
    bytes: Vec<u8>,
) -> Result<ValidPhoto, ApiError> {
    let mut err = ApiError::new(ErrorCode::Invalid, "Some fields need attention");
    let caption = short_text(caption, CAPTION_MAX_CHARS, FieldCode::CaptionRequired);
    if let Err(code) = caption {
        err = err.with_field("caption", code);
    }
    let image_type = ImageType::sniff(&bytes);
    if bytes.is_empty() {
        err = err.with_field("photo", FieldCode::PhotoRequired);
    } else if bytes.len() > PHOTO_MAX_BYTES {
        err = err.with_field("photo", FieldCode::PhotoTooLarge);
    } else if let Some(image_type) = image_type {
        match dimensions(image_type, &bytes) {
            None | Some((0, _) | (_, 0)) => err = err.with_field("photo", FieldCode::PhotoType),
            Some((width, height)) if !fits_pixel_limits(width, height) => {
                err = err.with_field("photo", FieldCode::PhotoTooLarge)
            }
            Some(_) if !is_complete(image_type, &bytes) => {
                err = err.with_field("photo", FieldCode::PhotoDamaged)
            }
            Some(_) => {}
        }
    } else {
        err = err.with_field("photo", FieldCode::PhotoType);
    }
    match (image_type, caption) {
        (Some(image_type), Ok(caption)) if err.fields.is_empty() => Ok(ValidPhoto {
            activity_id,
            caption,
            image_type,
            orientation: orientation(image_type, &bytes),
            bytes: strip_metadata(image_type, bytes),
        }),
        _ => Err(err),
    }
}

/// A kept photo's correction: its caption (the image itself is replaced by deleting the photo
/// and uploading another).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoEdit {
    /// What the photo shows (1–200 characters).
    pub caption: String,
}

impl PhotoEdit {
    /// The caption, trimmed, by the same rule as an upload's.
    pub fn validate(&self) -> Result<String, ApiError> {
        short_text(&self.caption, CAPTION_MAX_CHARS, FieldCode::CaptionRequired).map_err(|code| {
            ApiError::new(ErrorCode::Invalid, "Some fields need attention")
                .with_field("caption", code)
        })
    }
}

/// A kept photo, without its bytes (those are fetched from its own address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoItem {
    pub id: i64,
    pub activity_id: i64,
    pub organisation_id: i64,
    pub caption: String,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    pub size_bytes: u32,
    /// Username of whoever added it.
    pub added_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::time::VenueDateTime))]
    pub added_at: NaiveDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];

    /// A PNG signature and `IHDR` (8-bit RGBA) of the given size, then an empty `IDAT` and
    /// `IEND`: whole, though no decoder would draw it.
    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut png = PNG.to_vec();
        png.extend(b"IHDR");
        png.extend(width.to_be_bytes());
        png.extend(height.to_be_bytes());
        png.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png.extend(b"\0\0\0\0IDAT\x35\xaf\x06\x1e");
        png.extend(b"\0\0\0\0IEND\xae\x42\x60\x82");
        png
    }

    #[test]
    fn jpeg_png_and_webp_are_recognised_by_their_first_bytes() {
        assert_eq!(
            ImageType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]),
            Some(ImageType::Jpeg)
        );
        assert_eq!(ImageType::sniff(PNG), Some(ImageType::Png));
        assert_eq!(
            ImageType::sniff(b"RIFF\x24\x00\x00\x00WEBPVP8 "),
            Some(ImageType::Webp)
        );
        assert_eq!(ImageType::sniff(b"GIF89a......"), None);
        assert_eq!(ImageType::sniff(b"<svg xmlns="), None);
        assert_eq!(ImageType::sniff(b"RIFF\x24\x00\x00\x00WAVEfmt "), None);
        assert_eq!(ImageType::sniff(&[0xFF, 0xD8]), None);
    }

    #[test]
    fn a_captioned_image_is_kept_with_its_caption_trimmed() {
        let valid = validate_photo(3, " 市民参观实验室 ", png(640, 480)).unwrap();
        assert_eq!(valid.caption(), "市民参观实验室");
        assert_eq!(valid.image_type().mime(), "image/png");
        assert_eq!(valid.activity_id(), 3);
        assert!(!format!("{valid:?}").contains("137"), "no bytes in logs");
    }

    #[test]
    fn a_corrected_caption_follows_the_upload_rule() {
        let edit = |caption: &str| PhotoEdit {
            caption: caption.into(),
        };
        assert_eq!(edit(" 合影 ").validate().unwrap(), "合影");
        let e = edit("  ").validate().unwrap_err();
        assert_eq!(e.fields["caption"], FieldCode::CaptionRequired);
        let e = edit(&"长".repeat(CAPTION_MAX_CHARS + 1))
            .validate()
            .unwrap_err();
        assert_eq!(e.fields["caption"], FieldCode::TextTooLong);
    }

    #[test]
    fn missing_captions_wrong_types_and_huge_files_are_refused_by_field() {
        let e = validate_photo(1, "  ", b"GIF89a".to_vec()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Invalid);
        assert_eq!(e.fields["caption"], FieldCode::CaptionRequired);
        assert_eq!(e.fields["photo"], FieldCode::PhotoType);
        let mut huge = png(640, 480);
        huge.resize(PHOTO_MAX_BYTES + 1, 0);
        let e = validate_photo(1, "合影", huge).unwrap_err();
        assert_eq!(e.fields["photo"], FieldCode::PhotoTooLarge);
        assert!(!e.fields.contains_key("caption"));
        let e = validate_photo(1, &"长".repeat(CAPTION_MAX_CHARS + 1), Vec::new()).unwrap_err();
        assert_eq!(e.fields["caption"], FieldCode::TextTooLong);
        assert_eq!(e.fields["photo"], FieldCode::PhotoRequired);
        let mut at_limit = png(640, 480);
        at_limit.resize(PHOTO_MAX_BYTES, 0);
        assert!(validate_photo(1, "合影", at_limit).is_ok());
    }

    #[test]
    fn images_declaring_too_many_pixels_are_refused_from_their_header() {
        // 470 KB of PNG can declare 11000 × 11000 pixels: half a gigabyte decoded.
        let e = validate_photo(1, "合影", png(11_000, 11_000)).unwrap_err();
        assert_eq!(e.fields["photo"], FieldCode::PhotoTooLarge);
        let e = validate_photo(1, "合影", png(PHOTO_MAX_SIDE + 1, 100)).unwrap_err();
        assert_eq!(e.fields["photo"], FieldCode::PhotoTooLarge);
        // The largest photos of phones' cameras pass, and a panorama.
        for (width, height) in [(8064, 6048), (8160, 6120), (6120, 8160), (16_000, 3_000)] {
            assert!(
                validate_photo(1, "合影", png(width, height)).is_ok(),
                "{width}"
            );
        }
        // Without a header saying its size (or saying nothing), it is no PNG.
        let e = validate_photo(1, "合影", PNG.to_vec()).unwrap_err();
        assert_eq!(e.fields["photo"], FieldCode::PhotoType);
        let e = validate_photo(1, "合影", png(0, 480)).unwrap_err();
        assert_eq!(e.fields["photo"], FieldCode::PhotoType);
    }

    #[test]
    fn a_photo_keeps_the_orientation_its_stripped_exif_gave() {
        // Exif whose IFD0 says Orientation 6 (SHORT), little-endian.
        let mut exif = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        exif.extend(b"\x06\0\0\0\0\0\0\0");
        let app1 = [
            &[0xFF, 0xE1][..],
            &u16::try_from(exif.len() + 2).unwrap().to_be_bytes(),
            &exif,
        ]
        .concat();
        let image = [
            &[0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0][..],
            &[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0x34, 0xFF, 0xD9],
        ]
        .concat();
        let turned = [&[0xFF, 0xD8][..], &app1, &image].concat();
        let valid = validate_photo(1, "合影", turned).unwrap();
        assert_eq!(valid.orientation(), 6);
        let stripped = [&[0xFF, 0xD8][..], &image].concat();
        assert_eq!(valid.bytes(), stripped, "no Exif kept");
        let turned_jpeg = b"\xff\xd8\xff turned";
        let upright = valid.upright(turned_jpeg.to_vec()).unwrap();
        assert_eq!(
            (upright.orientation(), upright.bytes()),
            (1, &turned_jpeg[..])
        );
        let valid = validate_photo(1, "合影", stripped.clone()).unwrap();
        assert_eq!((valid.orientation(), valid.bytes()), (1, &stripped[..]));
    }

    #[test]
    fn a_photo_turned_upright_is_kept_as_its_new_bytes_say_and_within_the_limit() {
        let mut exif = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        exif.extend(b"\x06\0\0\0\0\0\0\0");
        let vp8x = webp_files::webp_chunk(b"VP8X", &[0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let lossy = webp_files::webp_chunk(b"VP8 ", b"\x10\x02\x00\x9d\x01\x2a\x01\x00\x01\x00");
        let exif = webp_files::webp_chunk(b"EXIF", &exif);
        let sideways =
            validate_photo(1, "合影", webp_files::riff(&[&vp8x, &lossy, &exif])).unwrap();
        assert_eq!(
            (sideways.image_type(), sideways.orientation()),
            (ImageType::Webp, 6)
        );
        // Kept as a JPEG: served and embedded as one.
        let jpeg = [0xFF, 0xD8, 0xFF, 0xDB].to_vec();
        let kept = sideways.clone().upright(jpeg.clone()).unwrap();
        assert_eq!(
            (kept.image_type(), kept.bytes()),
            (ImageType::Jpeg, &jpeg[..])
        );
        assert_eq!(kept.image_type().mime(), "image/jpeg");
        // Never more than an upload may be, nor bytes of no format we keep.
        let mut at_limit = jpeg.clone();
        at_limit.resize(PHOTO_MAX_BYTES, 0);
        assert!(sideways.clone().upright(at_limit.clone()).is_some());
        at_limit.push(0);
        assert_eq!(sideways.clone().upright(at_limit), None);
        assert_eq!(sideways.upright(b"GIF89a".to_vec()), None);
    }

    #[test]
    fn images_cut_short_are_refused_as_damaged() {
        let whole = png(640, 480);
        assert!(validate_photo(1, "合影", whole.clone()).is_ok());
        // Its header alone (it says its size), or all but its end.
        for cut in [33, 45, whole.len() - 1] {
            let e = validate_photo(1, "合影", whole[..cut].to_vec()).unwrap_err();
            assert_eq!(e.fields["photo"], FieldCode::PhotoDamaged, "{cut}");
        }
        // Half a JPEG: its frame and the start of its scan.
        let jpeg = [
            &[
                0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 48, 0, 64, 1, 1, 0x11, 0,
            ][..],
            &[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0x12, 0x34, 0xFF, 0xD9],
        ]
        .concat();
        assert!(validate_photo(1, "合影", jpeg.clone()).is_ok());
        let e = validate_photo(1, "合影", jpeg[..jpeg.len() - 4].to_vec()).unwrap_err();
        assert_eq!(e.fields["photo"], FieldCode::PhotoDamaged);
    }
}
