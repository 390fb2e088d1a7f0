//! `cargo xtask icons`: draws the app icons of the web app manifests (`public/icons/`) from
//! the favicon's flask (`public/favicon.svg`), so they are made, not found: white on the
//! theme colour, full bleed, the flask inside the central circle that every maskable-icon
//! mask keeps (40 % of the size as radius). 16 shades, 4-bit palette PNG: a few KB each,
//! since the manifest's icons count in a citizen's first load.
//!
//! The PNGs are committed; a test draws them again and fails if they differ.

use crate::ctx::{Ctx, Failure, Result};
use std::io::Write;

/// The icons: file name under `public/icons/` and size in pixels.
pub const ICONS: [(&str, u32); 2] = [("icon-192.png", 192), ("icon-512.png", 512)];

/// The theme colour (`--primary`, the manifests' `theme_color`).
const BACKGROUND: [u8; 3] = [0x0b, 0x5c, 0xad];
const GLYPH: [u8; 3] = [0xff, 0xff, 0xff];
/// Shades between the two (anti-aliased edges), a 4-bit palette.
const SHADES: usize = 16;
/// Sub-rows sampled per pixel row.
const SUB_ROWS: usize = 4;

pub fn main(args: &[String]) -> Result {
    if let Some(other) = args.first() {
        return Err(Failure::new(format!(
            "unknown option `{other}` (usage: cargo xtask icons)"
        )));
    }
    let ctx = Ctx::new()?;
    let dir = ctx.root.join("public").join("icons");
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::new(format!("cannot create {}: {e}", dir.display())))?;
    for (name, size) in ICONS {
        let path = dir.join(name);
        let png = icon_png(size)?;
        std::fs::write(&path, &png)
            .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
        println!("wrote {} ({} bytes)", path.display(), png.len());
    }
    Ok(())
}

/// The flask of `favicon.svg` (`M12 6h8v2h-1v7l6 10a2 2 0 0 1-2 3H9a2 2 0 0 1-2-3l6-10V8h-1z`
/// in a 32-unit box) as a polygon, its two rounded corners sampled.
fn flask() -> Vec<(f64, f64)> {
    let mut outline = vec![
        (12.0, 6.0),
        (20.0, 6.0),
        (20.0, 8.0),
        (19.0, 8.0),
        (19.0, 15.0),
        (25.0, 25.0),
    ];
    // Each corner: radius 2 about a centre inside the flask, from one side to the base.
    let corner = |centre: (f64, f64), from: (f64, f64), to: (f64, f64)| {
        let angle = |p: (f64, f64)| (p.1 - centre.1).atan2(p.0 - centre.0);
        let (a0, mut a1) = (angle(from), angle(to));
        if a1 < a0 {
            a1 += std::f64::consts::TAU;
        }
        (1..16).map(move |i| {
            let a = a0 + (a1 - a0) * f64::from(i) / 16.0;
            (centre.0 + 2.0 * a.cos(), centre.1 + 2.0 * a.sin())
        })
    };
    // Both centres solve |c - from| = |c - to| = 2 on the inner side.
    outline.extend(corner((23.2795, 26.0197), (25.0, 25.0), (23.0, 28.0)));
    outline.extend([(23.0, 28.0), (9.0, 28.0)]);
    outline.extend(corner((8.7205, 26.0197), (9.0, 28.0), (7.0, 25.0)));
    outline.extend([(7.0, 25.0), (13.0, 15.0), (13.0, 8.0), (12.0, 8.0)]);
    outline
}

/// How much of each pixel the flask covers (0–1), row by row, scaled into a `size` square.
fn coverage(size: u32) -> Vec<f64> {
    let n = size as usize;
    let s = f64::from(size);
    // The flask's farthest point (on a rounded corner) lies 13.6 units from (16, 17); keep
    // it within 36 % of the size from the centre, inside the maskable safe circle (40 %).
    let scale = 0.36 * s / 13.6;
    let points: Vec<(f64, f64)> = flask()
        .into_iter()
        .map(|(x, y)| ((x - 16.0) * scale + s / 2.0, (y - 17.0) * scale + s / 2.0))
        .collect();
    let edges: Vec<((f64, f64), (f64, f64))> = points
        .iter()
        .zip(points.iter().cycle().skip(1))
        .map(|(a, b)| (*a, *b))
        .collect();
    let mut cover = vec![0.0; n * n];
    for row in 0..n {
        for sub in 0..SUB_ROWS {
            let y = row as f64 + (sub as f64 + 0.5) / SUB_ROWS as f64;
            let mut xs: Vec<f64> = edges
                .iter()
                .filter(|(a, b)| (a.1 <= y) != (b.1 <= y))
                .map(|(a, b)| a.0 + (y - a.1) * (b.0 - a.0) / (b.1 - a.1))
                .collect();
            xs.sort_by(f64::total_cmp);
            for span in xs.chunks_exact(2) {
                let (x0, x1) = (span[0].clamp(0.0, s), span[1].clamp(0.0, s));
                let first = x0.floor() as usize;
                let last = (x1.ceil() as usize).min(n);
                for col in first..last {
                    let inside = x1.min(col as f64 + 1.0) - x0.max(col as f64);
                    cover[row * n + col] += inside.max(0.0) / SUB_ROWS as f64;
                }
            }
        }
    }
    cover
}

/// The icon of `size` pixels as a PNG file.
pub fn icon_png(size: u32) -> Result<Vec<u8>> {
    let n = size as usize;
    let cover = coverage(size);
    let max_shade = (SHADES - 1) as f64;
    // One filter byte (none) per row, then two pixels per byte.
    let mut raw = Vec::with_capacity(n * (n.div_ceil(2) + 1));
    for row in cover.chunks_exact(n) {
        raw.push(0);
        for pair in row.chunks(2) {
            let shade = |c: f64| (c.clamp(0.0, 1.0) * max_shade).round() as u8;
            let high = shade(pair[0]);
            let low = pair.get(1).map_or(0, |c| shade(*c));
            raw.push((high << 4) | low);
        }
    }
    let mut palette = Vec::with_capacity(SHADES * 3);
    for i in 0..SHADES {
        let t = i as f64 / max_shade;
        for (bg, fg) in BACKGROUND.iter().zip(GLYPH) {
            palette.push((f64::from(*bg) * (1.0 - t) + f64::from(fg) * t).round() as u8);
        }
    }
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    zlib.write_all(&raw)
        .and_then(|()| zlib.flush())
        .map_err(|e| Failure::new(format!("cannot compress the icon: {e}")))?;
    let pixels = zlib
        .finish()
        .map_err(|e| Failure::new(format!("cannot compress the icon: {e}")))?;

    let mut header = Vec::with_capacity(13);
    header.extend(size.to_be_bytes());
    header.extend(size.to_be_bytes());
    // Bit depth 4, colour type 3 (palette), deflate, adaptive filtering, not interlaced.
    header.extend([4, 3, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", header.as_slice()),
        (b"PLTE", palette.as_slice()),
        (b"IDAT", pixels.as_slice()),
        (b"IEND", &[][..]),
    ] {
        png.extend((data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend(kind);
        png.extend(data);
        let crc = crc32(&png[start..]);
        png.extend(crc.to_be_bytes());
    }
    Ok(png)
}

/// The CRC-32 a PNG chunk ends with (ISO 3309, as zlib's).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_is_zlibs() {
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn the_flask_sits_inside_the_maskable_safe_circle() {
        for (_, size) in ICONS {
            let cover = coverage(size);
            let n = size as usize;
            let centre = f64::from(size) / 2.0;
            let mut inside = 0.0;
            for (i, c) in cover.iter().enumerate() {
                let (x, y) = ((i % n) as f64 + 0.5, (i / n) as f64 + 0.5);
                let r = ((x - centre).powi(2) + (y - centre).powi(2)).sqrt();
                if *c > 0.0 {
                    assert!(r < 0.4 * f64::from(size), "{size}: ink at radius {r}");
                }
                inside += c;
            }
            // A real glyph: a fair part of the square, nowhere near all of it.
            let share = inside / (n * n) as f64;
            assert!((0.1..0.4).contains(&share), "{size}: covers {share}");
        }
    }

    /// A chunk's type and data.
    type Chunk = (Vec<u8>, Vec<u8>);

    /// A PNG's chunks other than IDAT as they are, and its pixel rows inflated.
    fn picture(png: &[u8]) -> (Vec<Chunk>, Vec<u8>) {
        use std::io::Read;
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG signature");
        let (mut chunks, mut deflated, mut at) = (Vec::new(), Vec::new(), 8);
        while at + 12 <= png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            let kind = png[at + 4..at + 8].to_vec();
            let data = &png[at + 8..at + 8 + len];
            if kind == b"IDAT" {
                deflated.extend_from_slice(data);
            } else {
                chunks.push((kind, data.to_vec()));
            }
            at += 12 + len;
        }
        let mut rows = Vec::new();
        flate2::read::ZlibDecoder::new(deflated.as_slice())
            .read_to_end(&mut rows)
            .expect("pixels inflate");
        (chunks, rows)
    }

    #[test]
    fn committed_icons_are_what_the_generator_draws() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../public/icons");
        for (name, size) in ICONS {
            let committed = std::fs::read(dir.join(name)).expect("the icon is committed");
            let drawn = icon_png(size).expect("draws");
            // The same picture: header, palette and pixels. The deflated bytes may differ
            // with the zlib backend a build links (features unify across the workspace).
            assert!(
                picture(&committed) == picture(&drawn),
                "public/icons/{name} differs from what `cargo xtask icons` draws: run it"
            );
            assert_eq!(
                &committed[16..24],
                [size.to_be_bytes(), size.to_be_bytes()].concat()
            );
        }
    }
}
