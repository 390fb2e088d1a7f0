//! Photos of an activity for the written summary every event must file: an image and its
//! caption. Only JPEG, PNG and WebP are kept, recognised by their first bytes — never by a
//! file name or a declared type, which a browser or a person can get wrong.

mod metadata;

pub use metadata::strip_metadata;

use crate::error::{ApiError, ErrorCode, FieldCode};
use crate::text::short_text;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Largest photo accepted, in bytes (5 MiB: a phone photo, not a RAW file).
pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;
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

/// A photo that passed [`validate_photo`]: a kept format, within the size limit, with a
/// trimmed caption.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidPhoto {
    activity_id: i64,
    caption: String,
    image_type: ImageType,
    bytes: Vec<u8>,
}

// Megabytes of image bytes in a log line help nobody.
impl std::fmt::Debug for ValidPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidPhoto")
            .field("activity_id", &self.activity_id)
            .field("image_type", &self.image_type)
            .field("size", &self.bytes.len())
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
}

/// A caption (1–200 characters, no control characters) and an image of a kept format of at
/// most [`PHOTO_MAX_BYTES`]; every broken rule is reported against its field (`caption`,
/// `photo`). The image is kept without its metadata (position, device: [`strip_metadata`]).
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
    } else if image_type.is_none() {
        err = err.with_field("photo", FieldCode::PhotoType);
    }
    match (image_type, caption) {
        (Some(image_type), Ok(caption)) if err.fields.is_empty() => Ok(ValidPhoto {
            activity_id,
            caption,
            image_type,
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
        let valid = validate_photo(3, " 市民参观实验室 ", PNG.to_vec()).unwrap();
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
        let mut huge = PNG.to_vec();
        huge.resize(PHOTO_MAX_BYTES + 1, 0);
        let e = validate_photo(1, "合影", huge).unwrap_err();
        assert_eq!(e.fields["photo"], FieldCode::PhotoTooLarge);
        assert!(!e.fields.contains_key("caption"));
        let e = validate_photo(1, &"长".repeat(CAPTION_MAX_CHARS + 1), Vec::new()).unwrap_err();
        assert_eq!(e.fields["caption"], FieldCode::TextTooLong);
        assert_eq!(e.fields["photo"], FieldCode::PhotoRequired);
        let mut at_limit = PNG.to_vec();
        at_limit.resize(PHOTO_MAX_BYTES, 0);
        assert!(validate_photo(1, "合影", at_limit).is_ok());
    }
}
