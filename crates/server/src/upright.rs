//! Photos turned upright before they are kept. A phone held upright stores its photo on its
//! side and says so in Exif (Orientation 6: turn a quarter clockwise to show it); the Exif
//! goes when the photo is kept (position, device: `labday_domain::photo::strip_metadata`),
//! and with it the only word on which way up the picture is, so the console and the report
//! would show it sideways ever after. A photo whose orientation is not 1 is therefore
//! decoded, turned or mirrored as it says (any of the seven other values), and encoded
//! again (a little is lost, once, and only for these photos: one stored upright, or saying
//! nothing, keeps its bytes as sent less its metadata, with no decoding). Keeping a one-tag
//! Exif block instead would keep the bytes, but the report's decoder, and any program that
//! ignores Exif, would still show the photo sideways.
//!
//! Encoded again, a photo must still be within the upload limit, and one taken with a
//! phone is kept if at all possible: the encodings are tried best first and the first that
//! fits is kept (`labday_domain::photo::upright_encodings`). A JPEG is kept as a JPEG at
//! quality 92, or lower when that is over the limit, down to 50: a noisy 12-megapixel JPEG
//! sent at quality 60 (4.6 MB) is 8.8 MB at 92, and kept at 65 (4.7 MB). A lossy WebP is
//! kept as a JPEG too, its stored type saying so wherever it is served (the console, the
//! report, which reads the bytes): the `image` crate encodes WebP losslessly only, which
//! keeps a lossy photo's artefacts in five to ten times its bytes (a 12-megapixel photo
//! sent as a 1.5 MB WebP: 8.3 MB, over the limit), where a JPEG at 92 looks the same in two
//! to four times (2.9 MB; this encoder is a plain one). A PNG or a lossless WebP is kept
//! losslessly in its own format while that fits, else, when opaque, as a JPEG (a PNG of 256
//! colours decodes to three bytes a pixel); one with transparency only losslessly. Only a
//! photo that fits in none of these is refused (`photo_too_large_upright`).
//!
//! Decoding is the report's ([`crate::decoding`]): one photo at a time in the whole
//! process, on one thread, within the memory of the largest photo an upload may have (the
//! header's size was checked before). Turning a quarter makes a second copy of the pixels, so the largest
//! photo holds about twice its decoded size (50 MP in RGB: 2 × 150 MB) for a moment.
//! Each encoding tried holds that thread a moment more (one to two seconds for 12
//! megapixels on two busy cores); only a photo over the limit tries more than one.

use crate::decoding;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageFormat};
use labday_domain::photo::{fit, is_lossy, upright_encodings, Encoding, ImageType, ValidPhoto};
use std::io::Cursor;

/// Why a photo stored turned is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unkept {
    /// Its image does not decode (or would take more memory than the largest upload may).
    Damaged,
    /// Turned upright, it is over the upload limit in every encoding it may be kept in.
    TooLarge,
}

/// `photo` with its pixels as they are to be seen, without metadata, in the first encoding
/// that fits the upload limit (its own format, or a JPEG); the same photo when it is stored
/// upright already. Blocks while decoding, and while another photo decodes: call it off the
/// async workers.
pub fn upright(photo: ValidPhoto) -> Result<ValidPhoto, Unkept> {
    let Some(orientation) =
        Orientation::from_exif(photo.orientation()).filter(|&o| o != Orientation::NoTransforms)
    else {
        return Ok(photo);
    };
    decoding::alone(move || {
        let bytes = turned(photo.image_type(), photo.bytes(), orientation)?;
        photo.upright(bytes).ok_or(Unkept::TooLarge)
    })
    .unwrap_or(Err(Unkept::Damaged))
}

/// `bytes` decoded, turned by `orientation`, encoded again in the first of
/// [`upright_encodings`] that [`fit`]s.
fn turned(
    image_type: ImageType,
    bytes: &[u8],
    orientation: Orientation,
) -> Result<Vec<u8>, Unkept> {
    let format = match image_type {
        ImageType::Jpeg => ImageFormat::Jpeg,
        ImageType::Png => ImageFormat::Png,
        ImageType::Webp => ImageFormat::WebP,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decoding::limits());
    let mut decoder = reader.into_decoder().map_err(|_| Unkept::Damaged)?;
    let icc = decoder.icc_profile().ok().flatten();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|_| Unkept::Damaged)?;
    image.apply_orientation(orientation);
    // A colour profile (kept by the stripping: a phone's Display P3) goes with the pixels it
    // describes: an RGB one with colour, a grey one with grey; a CMYK JPEG's does not fit
    // the RGB it decodes to.
    let space: &[u8] = if image.color().has_color() {
        b"RGB "
    } else {
        b"GRAY"
    };
    let icc = icc.filter(|icc| icc.get(16..20) == Some(space));
    let encodings = upright_encodings(image_type, is_lossy(image_type, bytes), opaque(&image));
    for encoding in encodings {
        let mut out = Vec::new();
        let icc = icc.clone();
        let written = match encoding {
            Encoding::Jpeg(quality) => encode(
                JpegEncoder::new_with_quality(&mut out, quality),
                &image,
                icc,
            ),
            Encoding::Png => encode(PngEncoder::new(&mut out), &image, icc),
            Encoding::WebpLossless => encode(WebPEncoder::new_lossless(&mut out), &image, icc),
        };
        if !written {
            return Err(Unkept::Damaged);
        }
        if fit(&out) {
            return Ok(out);
        }
        tracing::debug!(?encoding, size = out.len(), "turned photo over the limit");
    }
    Err(Unkept::TooLarge)
}

/// Whether every pixel is fully opaque (a JPEG would keep it as it is seen).
fn opaque(image: &DynamicImage) -> bool {
    match image {
        DynamicImage::ImageLumaA8(i) => i.pixels().all(|p| p[1] == u8::MAX),
        DynamicImage::ImageRgba8(i) => i.pixels().all(|p| p[3] == u8::MAX),
        DynamicImage::ImageLumaA16(i) => i.pixels().all(|p| p[1] == u16::MAX),
        DynamicImage::ImageRgba16(i) => i.pixels().all(|p| p[3] == u16::MAX),
        DynamicImage::ImageRgba32F(i) => i.pixels().all(|p| p[3] >= 1.0),
        other => !other.color().has_alpha(),
    }
}

fn encode(mut encoder: impl ImageEncoder, image: &DynamicImage, icc: Option<Vec<u8>>) -> bool {
    if let Some(icc) = icc {
        // An encoder that cannot carry a profile writes the image without.
        let _ = encoder.set_icc_profile(icc);
    }
    image.write_with_encoder(encoder).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use labday_domain::photo::validate_photo;

    const WIDTH: u32 = 64;
    const HEIGHT: u32 = 48;

    /// A corner's colour: red grows to the right, green downwards.
    fn colour(x: u32, y: u32) -> [u8; 3] {
        let across = u8::try_from(x * 255 / (WIDTH - 1)).unwrap();
        let down = u8::try_from(y * 255 / (HEIGHT - 1)).unwrap();
        [across, down, 96]
    }

    fn stored() -> image::RgbImage {
        image::RgbImage::from_fn(WIDTH, HEIGHT, |x, y| image::Rgb(colour(x, y)))
    }

    /// A little-endian Exif block (APP1's payload, or a PNG's `eXIf` without its first six
    /// bytes) whose IFD0 says `orientation`.
    fn exif(orientation: u16) -> Vec<u8> {
        let mut e = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
        e.extend(orientation.to_le_bytes());
        e.extend([0; 6]);
        e
    }

    fn png_with_exif(orientation: u16) -> Vec<u8> {
        let mut png = Vec::new();
        stored()
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let data = &exif(orientation)[6..];
        let mut crc = flate2::Crc::new();
        crc.update(b"eXIf");
        crc.update(data);
        let chunk = [
            &u32::try_from(data.len()).unwrap().to_be_bytes()[..],
            b"eXIf",
            data,
            &crc.sum().to_be_bytes(),
        ]
        .concat();
        // After the signature and IHDR (8 + 25 bytes).
        [&png[..33], &chunk, &png[33..]].concat()
    }

    fn jpeg_with_exif(orientation: u16) -> Vec<u8> {
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, 95)
            .encode_image(&stored())
            .unwrap();
        let exif = exif(orientation);
        let len = u16::try_from(exif.len() + 2).unwrap().to_be_bytes();
        [&jpeg[..2], &[0xFF, 0xE1, len[0], len[1]], &exif, &jpeg[2..]].concat()
    }

    /// Where the stored image's corners are seen, for each orientation (the Exif
    /// specification's words: where its first row and first column are shown): which
    /// stored corner shows top left, which top right.
    fn seen(orientation: u16) -> ((u32, u32), (u32, u32)) {
        let (l, r, t, b) = (0, WIDTH - 1, 0, HEIGHT - 1);
        match orientation {
            // First row at the top, first column on the left: as stored.
            1 => ((l, t), (r, t)),
            // Top, right: mirrored left to right.
            2 => ((r, t), (l, t)),
            // Bottom, right: turned half a turn.
            3 => ((r, b), (l, b)),
            // Bottom, left: mirrored top to bottom.
            4 => ((l, b), (r, b)),
            // Left, top: mirrored along the diagonal.
            5 => ((l, t), (l, b)),
            // Right, top: turned a quarter clockwise.
            6 => ((l, b), (l, t)),
            // Right, bottom: mirrored along the other diagonal.
            7 => ((r, b), (r, t)),
            // Left, bottom: turned a quarter anticlockwise.
            8 => ((r, t), (r, b)),
            _ => unreachable!(),
        }
    }

    fn near(a: [u8; 3], b: [u8; 3], within: u8) -> bool {
        a.iter().zip(b).all(|(a, b)| a.abs_diff(b) <= within)
    }

    #[test]
    fn every_orientation_turns_the_pixels_as_exif_says_and_drops_the_exif() {
        for o in 1..=8 {
            for (kind, bytes, within) in [
                (ImageType::Png, png_with_exif(o), 0),
                (ImageType::Jpeg, jpeg_with_exif(o), 12),
            ] {
                let valid = validate_photo(1, "合影", bytes).unwrap();
                assert_eq!(valid.orientation(), u8::try_from(o).unwrap());
                let kept = upright(valid).unwrap();
                assert_eq!(kept.orientation(), 1);
                assert_eq!(kept.image_type(), kind);
                let bytes = kept.bytes();
                assert!(
                    !bytes.windows(4).any(|w| w == b"Exif" || w == b"eXIf"),
                    "{kind:?} {o}: no Exif kept"
                );
                let image = image::load_from_memory(bytes).unwrap().to_rgb8();
                let size = if o >= 5 {
                    (HEIGHT, WIDTH)
                } else {
                    (WIDTH, HEIGHT)
                };
                assert_eq!(image.dimensions(), size, "{kind:?} {o}");
                let (top_left, top_right) = seen(o);
                let right = image.width() - 1;
                for ((x, y), (sx, sy)) in [((0, 0), top_left), ((right, 0), top_right)] {
                    let got = image.get_pixel(x, y).0;
                    assert!(
                        near(got, colour(sx, sy), within),
                        "{kind:?} {o}: ({x}, {y}) is {got:?}, not the stored ({sx}, {sy})"
                    );
                }
            }
        }
    }

    #[test]
    fn a_photo_stored_upright_keeps_its_bytes_and_one_that_does_not_decode_is_refused() {
        let png = png_with_exif(1);
        let valid = validate_photo(1, "合影", png.clone()).unwrap();
        let stripped = valid.bytes().to_vec();
        assert_eq!(upright(valid).unwrap().bytes(), stripped);
        // Whole to its end, but with a frame of 0-bit samples, which nothing decodes.
        let mut noise = jpeg_with_exif(6);
        let frame = noise.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        noise[frame + 4] = 0;
        let valid = validate_photo(1, "合影", noise).unwrap();
        assert_eq!(upright(valid).unwrap_err(), Unkept::Damaged);
    }
}
