//! Whether an image's data is all there: a file cut short (half a phone's JPEG that was
//! still being copied, a PNG's header alone) says its size in its header as a whole one does,
//! and would be kept as a photo that draws half a picture or nothing.
//!
//! Each format ends with a part that says it is over, after its pixel data: the walk that
//! [`dimensions`](super::dimensions) and [`strip_metadata`](super::strip_metadata) already do
//! through the container, taken to that part, tells a whole file from a cut one, in one pass
//! over at most 5 MiB and no memory. Decoding the pixels would also find data that is
//! whole but wrong, at the cost of up to 200 MB and a second of CPU per upload for the
//! largest photo; such a file only comes from someone making it, which gains them nothing:
//! staff can upload any picture, and the report lists a photo that does not decode by its
//! caption. (A photo the server turns upright, by its Exif orientation, is decoded, and
//! refused as damaged when it does not decode.)

use super::dimensions::jpeg_layout;
use super::ImageType;

/// Whether the image runs to its end: a PNG's chunks, each whole, from `IHDR` through image
/// data (`IDAT`) to `IEND`; a JPEG's segments, each whole, through a frame and its scans to
/// the end of image (EOI); a WebP's RIFF as long as it says, each chunk in it whole, one of
/// them the image (`VP8 `, `VP8L`, or an animation's frames).
pub fn is_complete(image_type: ImageType, bytes: &[u8]) -> bool {
    match image_type {
        ImageType::Jpeg => jpeg_layout(bytes)
            .is_some_and(|layout| layout.frame.is_some() && layout.scans > 0 && layout.ended),
        ImageType::Png => png(bytes),
        ImageType::Webp => webp(bytes),
    }
}

fn png(bytes: &[u8]) -> bool {
    let mut i = 8;
    let mut image_data = false;
    while let Some(header) = bytes.get(i..i + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        // Length, type, data and CRC.
        let Some(end) = len.checked_add(12).and_then(|n| n.checked_add(i)) else {
            return false;
        };
        if end > bytes.len() || (i == 8 && &header[4..8] != b"IHDR") {
            return false;
        }
        match &header[4..8] {
            b"IDAT" => image_data = true,
            b"IEND" => return image_data,
            _ => {}
        }
        i = end;
    }
    false
}

fn webp(bytes: &[u8]) -> bool {
    let Some(size) = bytes.get(4..8) else {
        return false;
    };
    let size = u32::from_le_bytes([size[0], size[1], size[2], size[3]]) as usize;
    let Some(end) = size.checked_add(8).filter(|&end| end <= bytes.len()) else {
        return false;
    };
    let mut i = 12;
    let mut image = false;
    while let Some(header) = bytes.get(i..i + 8).filter(|_| i + 8 <= end) {
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let Some(data_end) = size.checked_add(i + 8).filter(|&data_end| data_end <= end) else {
            return false;
        };
        image |= matches!(&header[..4], b"VP8 " | b"VP8L" | b"ANMF");
        // Chunks are padded to an even size.
        i = data_end + size % 2;
    }
    image
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::webp_files::{riff, webp_chunk};

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        c.extend([0, 0, 0, 0]); // The CRC is not read.
        c
    }

    #[test]
    fn a_png_runs_from_its_header_through_its_pixels_to_its_end() {
        let signature = b"\x89PNG\r\n\x1a\n".as_slice();
        let ihdr = png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        let idat = png_chunk(b"IDAT", &[0x78, 0xDA, 0x63, 0x60, 0, 0, 0, 2, 0, 1]);
        let text = png_chunk(b"tEXt", b"Software\0x");
        let iend = png_chunk(b"IEND", &[]);
        let whole = [signature, &ihdr, &text, &idat, &idat, &iend].concat();
        assert!(is_complete(ImageType::Png, &whole));
        // Bytes after the end are no part of the image.
        assert!(is_complete(ImageType::Png, &[&whole[..], b"junk"].concat()));
        // The header alone, the pixels without their end, cut anywhere, no pixels at all.
        assert!(!is_complete(ImageType::Png, &[signature, &ihdr].concat()));
        assert!(!is_complete(
            ImageType::Png,
            &[signature, &ihdr, &idat].concat()
        ));
        for cut in 8..whole.len() {
            assert!(!is_complete(ImageType::Png, &whole[..cut]), "{cut}");
        }
        assert!(!is_complete(
            ImageType::Png,
            &[signature, &ihdr, &iend].concat()
        ));
        let headerless = [signature, &idat, &iend].concat();
        assert!(!is_complete(ImageType::Png, &headerless));
    }

    fn segment(code: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, code];
        s.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        s.extend(payload);
        s
    }

    #[test]
    fn a_jpeg_runs_through_its_frame_and_scans_to_its_end() {
        let soi = [0xFF, 0xD8].as_slice();
        let exif = segment(0xE1, b"Exif\0\0II*\0\x08\0\0\0\0\0");
        let tables = segment(0xDB, &[0; 65]);
        let frame = segment(0xC2, &[8, 0, 48, 0, 64, 1, 1, 0x11, 0]);
        let scan = [
            &segment(0xDA, &[1, 1, 0, 0, 63, 0])[..],
            &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56],
        ]
        .concat();
        let eoi = [0xFF, 0xD9].as_slice();
        let whole = [soi, &exif, &tables, &frame, &scan, &scan, eoi].concat();
        assert!(is_complete(ImageType::Jpeg, &whole));
        // A motion photo's video after the end.
        assert!(is_complete(
            ImageType::Jpeg,
            &[&whole[..], b"\0\0\0\x18ftypmp42"].concat()
        ));
        // Cut anywhere, even after a whole first scan of a progressive file.
        for cut in 2..whole.len() {
            assert!(!is_complete(ImageType::Jpeg, &whole[..cut]), "{cut}");
        }
        // Tables and a frame but no scan.
        let no_scan = [soi, &tables, &frame, eoi].concat();
        assert!(!is_complete(ImageType::Jpeg, &no_scan));
    }

    #[test]
    fn a_webp_is_as_long_as_its_riff_says_with_its_image_in_it() {
        let vp8x = webp_chunk(b"VP8X", &[0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let image = webp_chunk(b"VP8L", &[0x2F, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11]);
        let exif = webp_chunk(b"EXIF", b"II*\0\x08\0\0\0\0\0");
        let whole = riff(&[&vp8x, &image, &exif]);
        assert!(is_complete(ImageType::Webp, &whole));
        assert!(is_complete(ImageType::Webp, &riff(&[&image])));
        for cut in 12..whole.len() {
            assert!(!is_complete(ImageType::Webp, &whole[..cut]), "{cut}");
        }
        // A RIFF that says it is shorter than its chunks, or holds no image.
        let mut short = riff(&[&image]);
        short[4] -= 2;
        assert!(!is_complete(ImageType::Webp, &short));
        assert!(!is_complete(ImageType::Webp, &riff(&[&vp8x, &exif])));
    }
}
