//! What a photo stored on its side is kept as once its pixels are turned upright (by the
//! server, which decodes them: [`super::ValidPhoto::orientation`]). Encoded again, it must
//! still be within [`PHOTO_MAX_BYTES`], the limit its upload promised; and a photo taken
//! with a phone should be kept if at all possible. So the encodings are tried best first,
//! and the first that fits is kept:
//!
//! - a photo sent lossy (a JPEG, a lossy WebP) and opaque is kept as a JPEG, at
//!   [`JPEG_QUALITIES`] in turn. Encoding a lossy WebP losslessly (the only WebP the
//!   server's `image` crate writes) would keep its artefacts in five to ten times the bytes,
//!   mostly over the limit, where a JPEG at 92 looks like the WebP it was;
//! - one sent lossless (a PNG, a lossless WebP), or with transparency, is kept losslessly in
//!   its own format; when that no longer fits and it is opaque, as a JPEG like the others
//!   (a photo kept a little lossy rather than refused). Transparency a JPEG cannot hold:
//!   such an image that does not fit losslessly is refused.

use super::{ImageType, PHOTO_MAX_BYTES};

/// JPEG qualities a turned photo is encoded at, best first, until one fits: about a phone
/// camera's own (90–95) first. Each step costs about a fifth of the bytes of a photo (a
/// 2000 × 1500 photo of noise: 5.8 MB at 92, 4.5 MB at 85, 3.5 MB at 75). The last is the
/// JPEG standard's own tables (IJG quality 50): lower, blocks show in the console.
pub const JPEG_QUALITIES: [u8; 5] = [92, 85, 75, 65, 50];

/// One way to encode a turned photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// JPEG at this quality (1–100).
    Jpeg(u8),
    /// PNG (lossless).
    Png,
    /// Lossless WebP (`VP8L`).
    WebpLossless,
}

impl Encoding {
    /// The format the encoded photo is, stored and served as.
    pub fn image_type(self) -> ImageType {
        match self {
            Encoding::Jpeg(_) => ImageType::Jpeg,
            Encoding::Png => ImageType::Png,
            Encoding::WebpLossless => ImageType::Webp,
        }
    }
}

/// Whether `bytes`, an image of `image_type`, were compressed with loss: a JPEG always, a
/// PNG never, a WebP when its image (or its animation's first frame) is a `VP8 ` bitstream
/// rather than a lossless `VP8L` one.
pub fn is_lossy(image_type: ImageType, bytes: &[u8]) -> bool {
    match image_type {
        ImageType::Jpeg => true,
        ImageType::Png => false,
        ImageType::Webp => webp_image(bytes) == Some(*b"VP8 "),
    }
}

/// The four-character code of a WebP's first image chunk, `VP8 ` or `VP8L`, at the top
/// level or in its animation's first frame (whose data holds its own chunks after a
/// 16-byte header).
fn webp_image(bytes: &[u8]) -> Option<[u8; 4]> {
    let mut chunks = bytes.get(12..)?;
    while let Some(header) = chunks.get(..8) {
        let fourcc: [u8; 4] = header[..4].try_into().ok()?;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        match &fourcc {
            b"VP8 " | b"VP8L" => return Some(fourcc),
            b"ANMF" => chunks = chunks.get(8 + 16..)?,
            // Chunks are padded to an even size.
            _ => chunks = chunks.get(8usize.checked_add(size)?.checked_add(size % 2)?..)?,
        }
    }
    None
}

/// The encodings to try for a photo sent as `sent` (its bytes `lossy` or not, its pixels
/// `opaque` or with some transparency), best first (see the module's words). The first
/// whose bytes [`fit`] is kept; when none does, the photo is refused
/// (`photo_too_large_upright`).
pub fn upright_encodings(sent: ImageType, lossy: bool, opaque: bool) -> Vec<Encoding> {
    let lossless = match sent {
        ImageType::Jpeg => None,
        ImageType::Png => Some(Encoding::Png),
        ImageType::Webp => Some(Encoding::WebpLossless),
    };
    let lossless = lossless.filter(|_| !(lossy && opaque));
    let jpeg = JPEG_QUALITIES.map(Encoding::Jpeg);
    let jpeg = jpeg.iter().copied().filter(|_| opaque);
    lossless.into_iter().chain(jpeg).collect()
}

/// Whether `bytes` of an encoded photo are within the upload limit ([`PHOTO_MAX_BYTES`]).
pub fn fit(bytes: &[u8]) -> bool {
    bytes.len() <= PHOTO_MAX_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::webp_files::{riff, webp_chunk};

    const LOSSLESS: &[u8] = &[0x2F, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11];
    const LOSSY: &[u8] = b"\x10\x02\x00\x9d\x01\x2a\x01\x00\x01\x00";

    #[test]
    fn a_webp_is_lossy_when_its_image_is_a_vp8_bitstream() {
        let vp8x = webp_chunk(b"VP8X", &[0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let alpha = webp_chunk(b"ALPH", &[0, 1, 2]);
        let exif = webp_chunk(b"EXIF", b"II*\0\x08\0\0\0\0\0");
        let lossy = webp_chunk(b"VP8 ", LOSSY);
        let lossless = webp_chunk(b"VP8L", LOSSLESS);
        let frame = |image: &[u8]| webp_chunk(b"ANMF", &[&[0; 16][..], image].concat());
        for (webp, want) in [
            (riff(&[&lossy]), true),
            (riff(&[&vp8x, &alpha, &lossy, &exif]), true),
            (riff(&[&vp8x, &frame(&lossy), &frame(&lossless)]), true),
            (riff(&[&lossless]), false),
            (riff(&[&vp8x, &exif, &lossless]), false),
            (riff(&[&vp8x, &frame(&lossless)]), false),
            // No image at all, or a chunk running past the end: nothing says lossy.
            (riff(&[&vp8x]), false),
            (riff(&[b"EXIF\xff\xff\xff\xff"]), false),
        ] {
            assert_eq!(is_lossy(ImageType::Webp, &webp), want, "{webp:?}");
        }
        assert!(is_lossy(ImageType::Jpeg, &[0xFF, 0xD8, 0xFF]));
        assert!(!is_lossy(ImageType::Png, b"\x89PNG\r\n\x1a\n"));
    }

    #[test]
    fn a_turned_photo_is_kept_as_a_jpeg_when_sent_lossy_and_losslessly_when_it_fits() {
        let jpeg = JPEG_QUALITIES.map(Encoding::Jpeg).to_vec();
        assert_eq!(
            jpeg[0],
            Encoding::Jpeg(92),
            "a phone camera's quality first"
        );
        assert!(JPEG_QUALITIES.windows(2).all(|q| q[0] > q[1]), "best first");
        // A phone's JPEG, or a lossy WebP: a JPEG, never a lossless WebP of its artefacts.
        assert_eq!(upright_encodings(ImageType::Jpeg, true, true), jpeg);
        assert_eq!(upright_encodings(ImageType::Webp, true, true), jpeg);
        // Lossless: in its own format, then a JPEG rather than refused.
        let png = upright_encodings(ImageType::Png, false, true);
        assert_eq!(png, [&[Encoding::Png][..], &jpeg].concat());
        let webp = upright_encodings(ImageType::Webp, false, true);
        assert_eq!(webp, [&[Encoding::WebpLossless][..], &jpeg].concat());
        // Transparency, which a JPEG would lose: losslessly or not at all.
        assert_eq!(
            upright_encodings(ImageType::Png, false, false),
            [Encoding::Png]
        );
        assert_eq!(
            upright_encodings(ImageType::Webp, true, false),
            [Encoding::WebpLossless]
        );
        assert_eq!(Encoding::Jpeg(92).image_type(), ImageType::Jpeg);
        assert!(fit(&vec![0; PHOTO_MAX_BYTES]));
        assert!(!fit(&vec![0; PHOTO_MAX_BYTES + 1]));
    }
}
