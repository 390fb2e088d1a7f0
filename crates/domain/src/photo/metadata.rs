//! Removes what a camera writes about where and with what a photo was taken (Exif with its
//! GPS position, XMP, IPTC, text comments) before a photo is kept. Summary photos are of
//! citizens at an open day; the file must not also say where the photographer lives or which
//! phone they carry. Only the container is walked — segments and chunks are dropped whole,
//! pixels are never decoded — so no image library is needed.
//!
//! What is kept is a list of what shows the image (for JPEG the segments a decoder needs,
//! the JFIF header, the colour profile and Adobe's colour transform; for PNG and WebP the
//! chunks named in [`PNG_KEPT`] and [`WEBP_KEPT`]); everything else goes, and so does what
//! follows the image's end. Stray bytes between JPEG segments are walked past, as a decoder
//! does. A file whose structure stops making sense part way (cut short, a length past the
//! end) is kept from that point as sent: what follows cannot be read as metadata by a viewer
//! either.

use super::ImageType;

/// The image without its metadata; the image unchanged when it carries none.
pub fn strip_metadata(image_type: ImageType, bytes: Vec<u8>) -> Vec<u8> {
    let stripped = match image_type {
        ImageType::Jpeg => strip_jpeg(&bytes),
        ImageType::Png => strip_png(&bytes),
        ImageType::Webp => strip_webp(&bytes),
    };
    stripped.unwrap_or(bytes)
}

/// The Exif orientation (1–8) the image carries: how its stored pixels are to be turned or
/// mirrored to be shown upright (a phone held upright stores its photo on its side and says
/// 6, "turn a quarter clockwise"). 1 (as stored) when it carries none, or one that makes no
/// sense. Read before [`strip_metadata`] drops it with the rest of the Exif, so the pixels
/// can be turned first.
pub fn orientation(image_type: ImageType, bytes: &[u8]) -> u8 {
    let exif = match image_type {
        ImageType::Jpeg => jpeg_exif(bytes),
        ImageType::Png => png_exif(bytes),
        ImageType::Webp => webp_exif(bytes),
    };
    exif.and_then(tiff_orientation)
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1)
}

/// The TIFF block of the first APP1 segment that is Exif, before the first scan.
fn jpeg_exif(bytes: &[u8]) -> Option<&[u8]> {
    let mut i = 2;
    loop {
        // To the next marker, past any stray byte (as a decoder reads it).
        i += bytes.get(i..)?.iter().position(|&b| b == 0xFF)?;
        let mut code_at = i + 1;
        while bytes.get(code_at) == Some(&0xFF) {
            code_at += 1;
        }
        let code = *bytes.get(code_at)?;
        if matches!(code, 0xDA | 0xD9) {
            return None;
        }
        if matches!(code, 0x00 | 0x01 | 0xD0..=0xD7) {
            i = code_at + 1;
            continue;
        }
        let len = bytes.get(code_at + 1..code_at + 3)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        if len < 2 {
            return None;
        }
        let payload = bytes.get(code_at + 3..code_at + 1 + len)?;
        if code == 0xE1 {
            if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                return Some(tiff);
            }
        }
        i = code_at + 1 + len;
    }
}

/// The data of a PNG's `eXIf` chunk (a TIFF block).
fn png_exif(bytes: &[u8]) -> Option<&[u8]> {
    let mut i = 8;
    loop {
        let header = bytes.get(i..i + 8)?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let data = bytes.get(i + 8..(i + 8).checked_add(len)?)?;
        if &header[4..8] == b"eXIf" {
            return Some(data);
        }
        i += 12 + len;
    }
}

/// The data of a WebP's `EXIF` chunk: a TIFF block, which some writers start with Exif's
/// own `Exif\0\0`.
fn webp_exif(bytes: &[u8]) -> Option<&[u8]> {
    let mut i = 12;
    loop {
        let header = bytes.get(i..i + 8)?;
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let data = bytes.get(i + 8..(i + 8).checked_add(size)?)?;
        if &header[..4] == b"EXIF" {
            return Some(data.strip_prefix(b"Exif\0\0").unwrap_or(data));
        }
        i += 8 + size + size % 2;
    }
}

/// The Orientation tag (0x0112, one SHORT) of a TIFF block's first directory (IFD0), in
/// the block's own byte order.
fn tiff_orientation(tiff: &[u8]) -> Option<u8> {
    let big = match tiff.get(..4)? {
        b"II*\0" => false,
        b"MM\0*" => true,
        _ => return None,
    };
    let u16_at = |at: usize| {
        let b = tiff.get(at..at + 2)?;
        Some(if big {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| {
        let b = tiff.get(at..at + 4)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd0 = usize::try_from(u32_at(4)?).ok()?;
    let entries = usize::from(u16_at(ifd0)?);
    (0..entries).find_map(|n| {
        let entry = ifd0 + 2 + 12 * n;
        // SHORT (3), one of it: the value sits in the entry's first two value bytes.
        (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3 && u32_at(entry + 4)? == 1)
            .then(|| u16_at(entry + 8))
            .flatten()
            .and_then(|o| u8::try_from(o).ok())
    })
}

/// JPEG segments kept: APP0 when it is the JFIF header itself (not a JFXX thumbnail, which
/// is a JPEG with its own Exif), APP2 when it is an ICC colour profile, APP14 (Adobe: the
/// colour transform of CMYK files). Other APPn (Exif and XMP in APP1, IPTC in APP13, maker
/// data) and comments go, and so do stray bytes between segments, which a decoder skips
/// (the walk goes on past them, as it does). `None` when nothing was dropped.
fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..2)?);
    let mut dropped = false;
    let mut i = 2;
    while i < bytes.len() {
        // A marker is 0xFF (possibly repeated as fill) and a code.
        if bytes[i] != 0xFF {
            let next = bytes[i..].iter().position(|&b| b == 0xFF);
            i = next.map_or(bytes.len(), |at| i + at);
            dropped = true;
            continue;
        }
        let mut code_at = i + 1;
        while bytes.get(code_at) == Some(&0xFF) {
            code_at += 1;
        }
        let Some(&code) = bytes.get(code_at) else {
            break;
        };
        // End of image: anything after it (a phone's "motion photo" video with its own GPS
        // track, the extra pictures of a multi-picture file) is not this image, and goes.
        if code == 0xD9 {
            out.extend_from_slice(&bytes[i..=code_at]);
            dropped |= code_at + 1 < bytes.len();
            return dropped.then_some(out);
        }
        // Markers without a length; a stuffed 0xFF00 outside a scan is nothing, and goes.
        if code == 0x00 {
            dropped = true;
            i = code_at + 1;
            continue;
        }
        if code == 0x01 || (0xD0..=0xD7).contains(&code) {
            out.extend_from_slice(&bytes[i..=code_at]);
            i = code_at + 1;
            continue;
        }
        let Some(len) = bytes
            .get(code_at + 1..code_at + 3)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            break;
        };
        let end = code_at + 1 + len;
        if len < 2 || end > bytes.len() {
            break;
        }
        let payload = &bytes[code_at + 3..end];
        let keep = match code {
            0xE0 => payload.starts_with(b"JFIF\0"),
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xE1..=0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(&bytes[i..end]);
        } else {
            dropped = true;
        }
        i = end;
        if code == 0xDA {
            // Entropy-coded data follows a start of scan, up to the next marker that is not
            // a stuffed 0xFF00 or a restart (a progressive file has several scans).
            let data_end = scan_end(bytes, i);
            out.extend_from_slice(&bytes[i..data_end]);
            i = data_end;
        }
    }
    out.extend_from_slice(&bytes[i..]);
    dropped.then_some(out)
}

/// Where the entropy-coded data that starts at `from` ends: at the next marker, or the end.
fn scan_end(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(offset) = bytes
        .get(at..)
        .and_then(|rest| rest.iter().position(|&b| b == 0xFF))
    {
        let marker = at + offset;
        match bytes.get(marker + 1) {
            Some(0x00) | Some(0xD0..=0xD7) => at = marker + 2,
            // Fill bytes before a marker belong to the marker.
            Some(0xFF) => at = marker + 1,
            Some(_) => return marker,
            None => return bytes.len(),
        }
    }
    bytes.len()
}

/// The PNG chunks a photo keeps: the image (`IHDR`, `PLTE`, `IDAT`, an animation's
/// `acTL`, `fcTL`, `fdAT`), its end, and what says how its colours and pixels show
/// (`tRNS`, `gAMA`, `cHRM`, `sRGB`, `cICP`, `sBIT`, `pHYs`, `bKGD`). Every other chunk goes:
/// `eXIf`, the text chunks (`tEXt`, `zTXt`, `iTXt`), a colour profile's free-text name
/// (`iCCP`), a program's private chunks.
const PNG_KEPT: [&[u8; 4]; 15] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"acTL", b"fcTL", b"fdAT", b"tRNS", b"gAMA", b"cHRM",
    b"sRGB", b"cICP", b"sBIT", b"pHYs", b"bKGD",
];

/// A PNG with only [`PNG_KEPT`] chunks, up to its `IEND` (what follows is not the image).
/// `None` when nothing was dropped.
fn strip_png(bytes: &[u8]) -> Option<Vec<u8>> {
    const SIGNATURE: usize = 8;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..SIGNATURE)?);
    let mut dropped = false;
    let mut i = SIGNATURE;
    while let Some(header) = bytes.get(i..i + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        // Length, type, data, CRC.
        let Some(end) = len.checked_add(12).and_then(|n| n.checked_add(i)) else {
            break;
        };
        if end > bytes.len() {
            break;
        }
        let kind = &header[4..8];
        if PNG_KEPT.iter().any(|k| k.as_slice() == kind) {
            out.extend_from_slice(&bytes[i..end]);
        } else {
            dropped = true;
        }
        i = end;
        if kind == b"IEND" {
            dropped |= i < bytes.len();
            return dropped.then_some(out);
        }
    }
    out.extend_from_slice(&bytes[i..]);
    dropped.then_some(out)
}

/// The WebP chunks a photo keeps: the image (`VP8 `, `VP8L`, `ALPH`, an animation's `ANIM`
/// and `ANMF`), the extended header (`VP8X`) and the colour profile (`ICCP`). Every other
/// chunk goes (`EXIF`, `XMP `, a program's own), and so does anything past the RIFF
/// container's end.
const WEBP_KEPT: [&[u8; 4]; 7] = [
    b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];

/// A WebP with only [`WEBP_KEPT`] chunks; the extended header's Exif and XMP flags are
/// cleared and the RIFF size set to what is left. `None` when nothing was dropped.
fn strip_webp(bytes: &[u8]) -> Option<Vec<u8>> {
    const HEADER: usize = 12;
    const EXIF_FLAG: u8 = 0x08;
    const XMP_FLAG: u8 = 0x04;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..HEADER)?);
    let riff = bytes.get(4..8)?;
    let riff_end = (u32::from_le_bytes([riff[0], riff[1], riff[2], riff[3]]) as usize)
        .saturating_add(8)
        .min(bytes.len());
    let mut dropped = riff_end < bytes.len();
    let bytes = &bytes[..riff_end.max(HEADER)];
    let mut flags_at = None;
    let mut i = HEADER;
    while let Some(header) = bytes.get(i..i + 8) {
        let size = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        let Some(data_end) = size.checked_add(8).and_then(|n| n.checked_add(i)) else {
            break;
        };
        if data_end > bytes.len() {
            break;
        }
        // Chunks are padded to an even size, but the last one may lack its pad byte (some
        // writers leave it out, or out of the RIFF size), as `is_complete` allows: it is a
        // whole chunk all the same, kept or dropped as any other.
        let end = (data_end + size % 2).min(bytes.len());
        let fourcc = &header[..4];
        if WEBP_KEPT.iter().any(|k| k.as_slice() == fourcc) {
            if fourcc == b"VP8X" && size >= 1 {
                flags_at = Some(out.len() + 8);
            }
            out.extend_from_slice(&bytes[i..end]);
        } else {
            dropped = true;
        }
        i = end;
    }
    out.extend_from_slice(&bytes[i..]);
    if !dropped {
        return None;
    }
    if let Some(at) = flags_at {
        out[at] &= !(EXIF_FLAG | XMP_FLAG);
    }
    let riff_size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::is_complete;
    use crate::photo::webp_files::{riff, webp_chunk};

    /// A little-endian TIFF block, as inside Exif, whose IFD0 points at a GPS IFD holding a
    /// latitude (`GPSLatitudeRef` "N", `GPSLatitude` 28°41′N, Nanchang).
    fn tiff_with_gps() -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        // IFD0: one entry, GPSInfo (0x8825, LONG) -> offset 26.
        t.extend(1u16.to_le_bytes());
        t.extend([0x25, 0x88, 4, 0]);
        t.extend(1u32.to_le_bytes());
        t.extend(26u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        // GPS IFD: GPSLatitudeRef (1, ASCII, 2) "N"; GPSLatitude (2, RATIONAL, 3) at 56.
        t.extend(2u16.to_le_bytes());
        t.extend([1, 0, 2, 0]);
        t.extend(2u32.to_le_bytes());
        t.extend(*b"N\0\0\0");
        t.extend([2, 0, 5, 0]);
        t.extend(3u32.to_le_bytes());
        t.extend(56u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        for (num, den) in [(28u32, 1u32), (41, 1), (0, 1)] {
            t.extend(num.to_le_bytes());
            t.extend(den.to_le_bytes());
        }
        t
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn jpeg_segment(code: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, code];
        s.extend(u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        s.extend(payload);
        s
    }

    /// A JPEG's quantisation table and one scan to its end: the image a test wraps.
    fn tables_and_scan() -> (Vec<u8>, Vec<u8>) {
        let tables = jpeg_segment(0xDB, &[0u8; 65]);
        let scan = [
            &jpeg_segment(0xDA, &[1, 1, 0, 0, 63, 0])[..],
            &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9],
        ]
        .concat();
        (tables, scan)
    }

    #[test]
    fn a_jpeg_loses_exif_xmp_and_comments_but_keeps_jfif_icc_and_the_image() {
        let jfif = jpeg_segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let exif = jpeg_segment(0xE1, &[b"Exif\0\0".as_slice(), &tiff_with_gps()].concat());
        let xmp = jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>");
        let icc = jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01profile");
        let comment = jpeg_segment(0xFE, b"iPhone 15 Pro");
        let (tables, scan) = tables_and_scan();
        let photo = [
            &[0xFF, 0xD8][..],
            &jfif,
            &exif,
            &xmp,
            &icc,
            &comment,
            &tables,
            &scan,
        ]
        .concat();
        assert_eq!(ImageType::sniff(&photo), Some(ImageType::Jpeg));

        let kept = strip_metadata(ImageType::Jpeg, photo.clone());
        assert_eq!(
            kept,
            [&[0xFF, 0xD8][..], &jfif, &icc, &tables, &scan].concat()
        );
        assert!(!contains(&kept, b"Exif") && !contains(&kept, &tiff_with_gps()));
        assert!(!contains(&kept, b"xmpmeta") && !contains(&kept, b"iPhone"));
        // Nothing to remove: the same bytes.
        assert_eq!(strip_metadata(ImageType::Jpeg, kept.clone()), kept);
    }

    #[test]
    fn a_jpeg_loses_what_follows_its_end_and_keeps_every_scan() {
        let tables = jpeg_segment(0xDB, &[0u8; 65]);
        // Two scans, as a progressive file has, with a table and an Exif block between them.
        let first = [
            &jpeg_segment(0xDA, &[1, 1, 0, 0, 63, 0])[..],
            &[0x12, 0xFF, 0x00, 0xFF, 0xD3, 0x34],
        ]
        .concat();
        let huffman = jpeg_segment(0xC4, &[0u8; 17]);
        let exif = jpeg_segment(0xE1, &[b"Exif\0\0".as_slice(), &tiff_with_gps()].concat());
        let second = [
            &jpeg_segment(0xDA, &[1, 1, 0, 0, 63, 0])[..],
            &[0x56, 0xFF, 0x00, 0x78],
        ]
        .concat();
        // A motion photo's video (with a GPS atom) after the end of the image.
        let video = [
            b"\0\0\0\x18ftypmp42".as_slice(),
            b"\xA9xyz+31.2304+121.4737/",
        ]
        .concat();
        let photo = [
            &[0xFF, 0xD8][..],
            &tables,
            &first,
            &huffman,
            &exif,
            &second,
            &[0xFF, 0xD9],
            &video,
        ]
        .concat();
        let kept = strip_metadata(ImageType::Jpeg, photo);
        assert_eq!(
            kept,
            [
                &[0xFF, 0xD8][..],
                &tables,
                &first,
                &huffman,
                &second,
                &[0xFF, 0xD9]
            ]
            .concat()
        );
        assert!(!contains(&kept, b"ftyp") && !contains(&kept, &tiff_with_gps()));
    }

    #[test]
    fn a_stray_byte_between_segments_hides_no_exif_and_no_thumbnail_keeps_one() {
        let jfif = jpeg_segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        // A JFXX thumbnail is a JPEG of its own, with its own Exif.
        let jfxx = jpeg_segment(
            0xE0,
            &[b"JFXX\0\x10\xFF\xD8".as_slice(), &tiff_with_gps()].concat(),
        );
        let exif = jpeg_segment(
            0xE1,
            &[b"Exif\0\0".as_slice(), &tiff_with_orientation(6, false)].concat(),
        );
        let comment = jpeg_segment(0xFE, b"iPhone 15 Pro");
        let (tables, scan) = tables_and_scan();
        // One stray byte after the JFIF header: a decoder skips it and reads on.
        let photo = [
            &[0xFF, 0xD8][..],
            &jfif,
            &[0x00],
            &jfxx,
            &exif,
            &comment,
            &tables,
            &scan,
        ]
        .concat();
        assert_eq!(
            orientation(ImageType::Jpeg, &photo),
            6,
            "read past the byte"
        );
        let kept = strip_metadata(ImageType::Jpeg, photo);
        assert_eq!(kept, [&[0xFF, 0xD8][..], &jfif, &tables, &scan].concat());
        assert!(!contains(&kept, b"Exif") && !contains(&kept, &tiff_with_gps()));
        assert!(!contains(&kept, b"JFXX") && !contains(&kept, b"iPhone"));
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        c.extend([0, 0, 0, 0]); // The CRC is not checked here.
        c
    }

    #[test]
    fn a_png_loses_exif_and_text_chunks() {
        let signature = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let ihdr = png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        let exif = png_chunk(b"eXIf", &tiff_with_gps());
        let text = png_chunk(b"tEXt", b"Author\0Zhang San");
        let itxt = png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta/>");
        let ztxt = png_chunk(b"zTXt", b"Comment\0\0x");
        let idat = png_chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1]);
        let iend = png_chunk(b"IEND", &[]);
        let photo = [
            &signature[..],
            &ihdr,
            &exif,
            &text,
            &idat,
            &itxt,
            &ztxt,
            &iend,
        ]
        .concat();

        let kept = strip_metadata(ImageType::Png, photo);
        assert_eq!(kept, [&signature[..], &ihdr, &idat, &iend].concat());
        assert!(!contains(&kept, &tiff_with_gps()) && !contains(&kept, b"Zhang"));

        // Only the chunks that show the image stay: a program's private chunk and a colour
        // profile's free-text name go, and so does anything after the end.
        let srgb = png_chunk(b"sRGB", &[0]);
        let private = png_chunk(b"prVt", b"GPS 28.68N serial 12345");
        let iccp = png_chunk(b"iCCP", b"Zhang's phone\0\0x");
        let photo = [
            &signature[..],
            &ihdr,
            &srgb,
            &private,
            &iccp,
            &idat,
            &iend,
            b"GPS 28.68N",
        ]
        .concat();
        let kept = strip_metadata(ImageType::Png, photo);
        assert_eq!(kept, [&signature[..], &ihdr, &srgb, &idat, &iend].concat());
    }

    #[test]
    fn a_webp_loses_exif_and_xmp_with_its_flags_and_size_set_right() {
        // VP8X flags: ICC 0x20, EXIF 0x08, XMP 0x04; canvas 1 × 1.
        let vp8x = |flags: u8| webp_chunk(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let image = webp_chunk(b"VP8L", &[0x2F, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11]);
        let exif = webp_chunk(
            b"EXIF",
            &[b"Exif\0\0".as_slice(), &tiff_with_gps()].concat(),
        );
        let xmp = webp_chunk(b"XMP ", b"<x:xmpmeta/>");
        let iccp = webp_chunk(b"ICCP", b"profile");
        let photo = riff(&[&vp8x(0x2C), &iccp, &image, &exif, &xmp]);
        assert_eq!(ImageType::sniff(&photo), Some(ImageType::Webp));

        let kept = strip_metadata(ImageType::Webp, photo);
        assert_eq!(kept, riff(&[&vp8x(0x20), &iccp, &image]));
        assert!(!contains(&kept, &tiff_with_gps()) && !contains(&kept, b"xmpmeta"));

        // A program's own chunk goes, and so does anything past the container's end.
        let own = webp_chunk(b"PRVT", b"GPS 28.68N");
        let photo = [riff(&[&vp8x(0x20), &own, &image]), b"GPS 28.68N".to_vec()].concat();
        let kept = strip_metadata(ImageType::Webp, photo);
        assert_eq!(kept, riff(&[&vp8x(0x20), &image]));
    }

    #[test]
    fn a_webp_whose_last_chunk_lacks_its_pad_byte_loses_its_exif_too() {
        let vp8x = |flags: u8| webp_chunk(b"VP8X", &[flags, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let image = webp_chunk(b"VP8L", &[0x2F, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11]);
        let mut data = [b"Exif\0\0".as_slice(), &tiff_with_gps()].concat();
        if data.len() % 2 == 0 {
            data.push(0);
        }
        let padded = webp_chunk(b"EXIF", &data);
        let unpadded = &padded[..padded.len() - 1];
        // The pad byte left out of the file, and left out of the RIFF size only.
        let mut short_size = riff(&[&vp8x(0x08), &image, &padded]);
        let riff_size = u32::from_le_bytes(short_size[4..8].try_into().unwrap()) - 1;
        short_size[4..8].copy_from_slice(&riff_size.to_le_bytes());
        for photo in [riff(&[&vp8x(0x08), &image, unpadded]), short_size] {
            assert!(is_complete(ImageType::Webp, &photo), "taken as a photo");
            let kept = strip_metadata(ImageType::Webp, photo);
            assert_eq!(kept, riff(&[&vp8x(0), &image]));
            assert!(!contains(&kept, &tiff_with_gps()));
        }
    }

    /// A TIFF block whose IFD0 holds a make and `orientation` (SHORT), in either byte order.
    fn tiff_with_orientation(orientation: u16, big_endian: bool) -> Vec<u8> {
        let u16b = |v: u16| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let u32b = |v: u32| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut t = if big_endian {
            b"MM\0*".to_vec()
        } else {
            b"II*\0".to_vec()
        };
        t.extend(u32b(8));
        t.extend(u16b(2));
        // Make: ASCII, 4 bytes, in the entry.
        t.extend(u16b(0x010F));
        t.extend(u16b(2));
        t.extend(u32b(4));
        t.extend(b"Cam\0");
        // Orientation: SHORT, one, in the entry's first two bytes.
        t.extend(u16b(0x0112));
        t.extend(u16b(3));
        t.extend(u32b(1));
        t.extend(u16b(orientation));
        t.extend([0, 0]);
        t.extend(u32b(0));
        t
    }

    #[test]
    fn the_exif_orientation_is_read_from_each_format() {
        let scan = [
            &jpeg_segment(0xDA, &[1, 1, 0, 0, 63, 0])[..],
            &[0x12, 0xFF, 0xD9],
        ]
        .concat();
        let signature = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let ihdr = png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
        let idat = png_chunk(b"IDAT", &[0x78, 0x9C, 0x63, 0, 1, 0, 0, 5, 0, 1]);
        let iend = png_chunk(b"IEND", &[]);
        let vp8x = webp_chunk(b"VP8X", &[0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        let image = webp_chunk(b"VP8L", &[0x2F, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11]);
        for (o, big) in [(6, false), (8, true), (3, false), (2, true), (1, false)] {
            let tiff = tiff_with_orientation(o, big);
            let exif = [b"Exif\0\0".as_slice(), &tiff].concat();
            // An XMP block in APP1 before the Exif one.
            let xmp = jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>");
            let jpeg = [&[0xFF, 0xD8][..], &xmp, &jpeg_segment(0xE1, &exif), &scan].concat();
            let want = u8::try_from(o).unwrap();
            assert_eq!(orientation(ImageType::Jpeg, &jpeg), want);
            let exif_chunk = png_chunk(b"eXIf", &tiff);
            let png = [&signature[..], &ihdr, &exif_chunk, &idat, &iend].concat();
            assert_eq!(orientation(ImageType::Png, &png), want);
            for data in [&tiff, &exif] {
                let webp = riff(&[&vp8x, &image, &webp_chunk(b"EXIF", data)]);
                assert_eq!(orientation(ImageType::Webp, &webp), want);
            }
        }
        // None, one that makes no sense, Exif with no orientation, or Exif after the image
        // data: as stored.
        let bare = [&[0xFF, 0xD8][..], &scan].concat();
        assert_eq!(orientation(ImageType::Jpeg, &bare), 1);
        for tiff in [tiff_with_orientation(9, false), tiff_with_gps()] {
            let exif = [b"Exif\0\0".as_slice(), &tiff].concat();
            let jpeg = [&[0xFF, 0xD8][..], &jpeg_segment(0xE1, &exif), &scan].concat();
            assert_eq!(orientation(ImageType::Jpeg, &jpeg), 1);
        }
        let exif = [b"Exif\0\0".as_slice(), &tiff_with_orientation(6, false)].concat();
        let late = [
            &[0xFF, 0xD8][..],
            &scan[..scan.len() - 2],
            &jpeg_segment(0xE1, &exif),
        ]
        .concat();
        assert_eq!(orientation(ImageType::Jpeg, &late), 1);
        assert_eq!(orientation(ImageType::Png, &signature), 1);
        assert_eq!(orientation(ImageType::Webp, b"RIFF"), 1);
    }

    #[test]
    fn broken_or_bare_files_are_kept_as_sent() {
        for (kind, bytes) in [
            (
                ImageType::Png,
                vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13],
            ),
            (
                ImageType::Webp,
                b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00".to_vec(),
            ),
            (
                ImageType::Jpeg,
                vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 1, 2],
            ),
            (ImageType::Jpeg, vec![0xFF]),
        ] {
            assert_eq!(strip_metadata(kind, bytes.clone()), bytes);
        }
    }
}
