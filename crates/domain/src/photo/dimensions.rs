//! A photo's size in pixels, read from its header alone (PNG's `IHDR`, JPEG's start of
//! frame, WebP's `VP8 `, `VP8L` or `VP8X` chunk) without decoding anything: a file of a few
//! hundred kilobytes can declare 11000 × 11000 pixels, half a gigabyte once decoded. No
//! image library is needed (this crate is also built for the browser, which never calls it).

use super::ImageType;

/// Width and height the header declares; `None` when no header can be found where the
/// format puts it (a cut-short or made-up file).
pub fn dimensions(image_type: ImageType, bytes: &[u8]) -> Option<(u32, u32)> {
    match image_type {
        ImageType::Jpeg => jpeg(bytes),
        ImageType::Png => png(bytes),
        ImageType::Webp => webp(bytes),
    }
}

fn be16(b: &[u8]) -> u32 {
    u32::from(u16::from_be_bytes([b[0], b[1]]))
}

fn le16(b: &[u8]) -> u32 {
    u32::from(u16::from_le_bytes([b[0], b[1]]))
}

fn le24(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], 0])
}

/// The first chunk after the signature is `IHDR`: width and height, 4 bytes each.
fn png(bytes: &[u8]) -> Option<(u32, u32)> {
    let ihdr = bytes.get(8..24)?;
    if ihdr[..8] != [0, 0, 0, 13, b'I', b'H', b'D', b'R'] {
        return None;
    }
    let width = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
    let height = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
    Some((width, height))
}

/// The segments are walked from the start of the image to its end (EOI, or where the file
/// stops): its one start of frame (SOF0–SOF15 but DHT, JPG and DAC) gives precision, then
/// height and width, 2 bytes each. Each segment's payload is stepped over by its length, so
/// the frame header of the thumbnail a camera puts inside Exif (APP1) is never read as this
/// image's; the entropy-coded data after each start of scan is stepped over to the next
/// marker (a stuffed 0xFF00 or a restart is no marker), as are stray bytes a sloppy writer
/// left between segments, as decoders do. A second frame header makes it no JPEG we can
/// size: a decoder draws by the later one, so a small first frame could hide a huge second
/// one from the pixel limits (a hierarchical JPEG, the only kind with several frames, is
/// no camera's and no browser's). What follows the end of the image is another file (a
/// motion photo's video, a gain map), dropped when the photo is kept.
fn jpeg(bytes: &[u8]) -> Option<(u32, u32)> {
    jpeg_layout(bytes)?.frame
}

/// What a walk through a JPEG's segments found ([`jpeg`] says how it walks).
pub(super) struct JpegLayout {
    /// Width and height of its one frame.
    pub frame: Option<(u32, u32)>,
    /// Starts of scan (each followed by its entropy-coded data).
    pub scans: usize,
    /// Whether the walk reached the end of image (EOI), every segment before it whole.
    pub ended: bool,
}

/// The walk [`jpeg`] describes; `None` for a JPEG no decoder reads as one image: a second
/// frame header, a scan before any frame, a length shorter than itself.
pub(super) fn jpeg_layout(bytes: &[u8]) -> Option<JpegLayout> {
    let mut layout = JpegLayout {
        frame: None,
        scans: 0,
        ended: false,
    };
    let mut i = 2;
    // To each marker: 0xFF (fill bytes repeat it) and a code.
    while let Some(at) = bytes
        .get(i..)
        .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
    {
        i += at;
        while bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let Some(&code) = bytes.get(i + 1) else {
            break;
        };
        match code {
            // No length: a stuffed byte, a restart, start of image, TEM.
            0x00 | 0xD0..=0xD8 | 0x01 => {
                i += 2;
                continue;
            }
            0xD9 => {
                layout.ended = true;
                break;
            }
            _ => {}
        }
        if code == 0xDA {
            // A start of scan before any frame: no size to be had.
            layout.frame?;
            layout.scans += 1;
        }
        let Some(len) = bytes.get(i + 2..i + 4).map(be16) else {
            break;
        };
        let len = usize::try_from(len).ok()?;
        if len < 2 {
            return None;
        }
        // A segment cut short by the end of the file holds no whole frame header.
        let Some(payload) = bytes.get(i + 4..i + 2 + len) else {
            break;
        };
        if matches!(code, 0xC0..=0xCF) && !matches!(code, 0xC4 | 0xC8 | 0xCC) {
            if layout.frame.is_some() {
                return None;
            }
            let header = payload.get(..5)?;
            layout.frame = Some((be16(&header[3..5]), be16(&header[1..3])));
        }
        i += 2 + len;
    }
    Some(layout)
}

/// The first chunk after `RIFF….WEBP`: a simple lossy (`VP8 `: 14-bit sizes after the
/// frame tag and start code), a lossless (`VP8L`: 14-bit sizes less one after its
/// signature byte) or an extended one (`VP8X`: the canvas, 24-bit sizes less one).
fn webp(bytes: &[u8]) -> Option<(u32, u32)> {
    let fourcc = bytes.get(12..16)?;
    let data = bytes.get(20..)?;
    match fourcc {
        b"VP8 " => {
            let frame = data.get(..10)?;
            (frame[3..6] == [0x9D, 0x01, 0x2A])
                .then(|| (le16(&frame[6..8]) & 0x3FFF, le16(&frame[8..10]) & 0x3FFF))
        }
        b"VP8L" => {
            let header = data.get(..5)?;
            if header[0] != 0x2F {
                return None;
            }
            let bits = u32::from_le_bytes([header[1], header[2], header[3], header[4]]);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => {
            let header = data.get(..10)?;
            Some((le24(&header[4..7]) + 1, le24(&header[7..10]) + 1))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG signature and `IHDR` (8-bit RGBA) of the given size; the CRC is not read.
    fn png_header(width: u32, height: u32) -> Vec<u8> {
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        png.extend(b"IHDR");
        png.extend(width.to_be_bytes());
        png.extend(height.to_be_bytes());
        png.extend([8, 6, 0, 0, 0]);
        png.extend([0; 4]);
        png
    }

    #[test]
    fn a_png_says_its_size_in_its_first_chunk() {
        assert_eq!(
            dimensions(ImageType::Png, &png_header(11_000, 11_000)),
            Some((11_000, 11_000))
        );
        let mut not_ihdr = png_header(1, 1);
        not_ihdr[12..16].copy_from_slice(b"tEXt");
        assert_eq!(dimensions(ImageType::Png, &not_ihdr), None);
        assert_eq!(dimensions(ImageType::Png, &png_header(1, 1)[..20]), None);
    }

    #[test]
    fn a_jpeg_says_its_size_in_its_frame_header_after_any_other_segments() {
        let mut jpeg = vec![0xFF, 0xD8];
        // APP0, then junk a sloppy writer left, fill bytes, a table, then a progressive frame.
        jpeg.extend([0xFF, 0xE0, 0, 6, b'J', b'F', b'I', b'F']);
        jpeg.extend([0x00, 0x12, 0xFF, 0xFF]);
        jpeg.extend([0xFF, 0xDB, 0, 4, 0, 0]);
        jpeg.extend([0xFF, 0xC2, 0, 11, 8, 0x17, 0xA0, 0x1F, 0x80, 1, 1, 0x11, 0]);
        jpeg.extend([0xFF, 0xDA, 0, 2, 0xFF, 0xD9]);
        assert_eq!(dimensions(ImageType::Jpeg, &jpeg), Some((8064, 6048)));
        // The huffman-table marker (C4) is not a frame.
        let tables_only = [0xFF, 0xD8, 0xFF, 0xC4, 0, 7, 8, 0x2A, 0xF8, 0x2A, 0xF8];
        assert_eq!(dimensions(ImageType::Jpeg, &tables_only), None);
        // A scan before any frame, or a file cut short, has no size.
        let scan_first = [0xFF, 0xD8, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9];
        assert_eq!(dimensions(ImageType::Jpeg, &scan_first), None);
        assert_eq!(dimensions(ImageType::Jpeg, &jpeg[..30]), None);
        assert_eq!(dimensions(ImageType::Jpeg, &[0xFF, 0xD8, 0xFF]), None);
    }

    fn segment(code: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, code];
        s.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        s.extend(payload);
        s
    }

    /// A baseline frame header (one component) of `width` × `height`.
    fn sof(code: u8, width: u16, height: u16) -> Vec<u8> {
        let mut p = vec![8];
        p.extend(height.to_be_bytes());
        p.extend(width.to_be_bytes());
        p.extend([1, 1, 0x11, 0]);
        segment(code, &p)
    }

    /// A start of scan and some entropy-coded data with a stuffed 0xFF00 and a restart.
    fn scan() -> Vec<u8> {
        let mut s = segment(0xDA, &[1, 1, 0, 0, 63, 0]);
        s.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        s
    }

    fn jpeg(parts: &[&[u8]]) -> Vec<u8> {
        [&[0xFF, 0xD8][..], &parts.concat(), &[0xFF, 0xD9]].concat()
    }

    #[test]
    fn a_jpeg_with_a_second_frame_header_has_no_size() {
        let tables = segment(0xDB, &[0; 65]);
        // A small frame declared first, the huge one the decoder would draw after it.
        let hidden = jpeg(&[
            &sof(0xC0, 100, 100),
            &tables,
            &sof(0xC0, 9000, 9000),
            &scan(),
        ]);
        assert_eq!(dimensions(ImageType::Jpeg, &hidden), None);
        // Or after the first scan, of another kind.
        let after_scan = jpeg(&[
            &tables,
            &sof(0xC2, 100, 100),
            &scan(),
            &sof(0xC1, 9000, 9000),
            &scan(),
        ]);
        assert_eq!(dimensions(ImageType::Jpeg, &after_scan), None);
        // One frame with several scans (progressive) is sized.
        let progressive = jpeg(&[&tables, &sof(0xC2, 4000, 3000), &scan(), &scan(), &scan()]);
        assert_eq!(
            dimensions(ImageType::Jpeg, &progressive),
            Some((4000, 3000))
        );
    }

    #[test]
    fn a_jpeg_is_sized_by_its_own_frame_not_its_exif_thumbnail_nor_what_follows_it() {
        // A camera's Exif block with its thumbnail, a whole JPEG of its own, inside APP1.
        let thumbnail = jpeg(&[&segment(0xDB, &[0; 65]), &sof(0xC0, 160, 120), &scan()]);
        let mut exif = b"Exif\0\0II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec();
        exif.extend(&thumbnail);
        let photo = [
            jpeg(&[&segment(0xE1, &exif), &sof(0xC0, 4032, 3024), &scan()]),
            // A motion photo's second picture after the end of the image.
            jpeg(&[&sof(0xC0, 9000, 9000), &scan()]),
        ]
        .concat();
        assert_eq!(dimensions(ImageType::Jpeg, &photo), Some((4032, 3024)));
    }

    #[test]
    fn a_webp_says_its_size_in_its_first_chunk_of_any_kind() {
        let riff = |chunk: &[u8]| [b"RIFF\0\0\0\0WEBP".as_slice(), chunk].concat();
        let lossy = riff(b"VP8 \x0a\0\0\0\x10\x02\x00\x9d\x01\x2a\x80\x07\x38\x04");
        assert_eq!(dimensions(ImageType::Webp, &lossy), Some((1920, 1080)));
        // 4000 x 3000: 3999 | 2999 << 14.
        let bits: u32 = 3999 | (2999 << 14);
        let lossless = riff(&[b"VP8L\x05\0\0\0\x2f".as_slice(), &bits.to_le_bytes()].concat());
        assert_eq!(dimensions(ImageType::Webp, &lossless), Some((4000, 3000)));
        let extended = riff(b"VP8X\x0a\0\0\0\x10\0\0\0\xf7\x2a\0\xf7\x2a\0");
        assert_eq!(
            dimensions(ImageType::Webp, &extended),
            Some((11_000, 11_000))
        );
        assert_eq!(dimensions(ImageType::Webp, &riff(b"VP8L\x0d\0\0\0")), None);
        assert_eq!(
            dimensions(ImageType::Webp, &riff(b"ALPH\x01\0\0\0\0")),
            None
        );
    }
}
