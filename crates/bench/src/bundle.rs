//! The shipped app's size: every file of `dist/`, raw and compressed the way the server
//! serves it, and the first load (index.html and everything it names).

use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct FileSize {
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
    /// index.html, or named by it: fetched on the citizen's first visit.
    pub first_load: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Bundle {
    pub files: Vec<FileSize>,
}

impl Bundle {
    fn sum(&self, first_load_only: bool) -> (u64, u64, u64) {
        self.files
            .iter()
            .filter(|f| f.first_load || !first_load_only)
            .fold((0, 0, 0), |(r, g, b), f| {
                (r + f.raw, g + f.gzip, b + f.brotli)
            })
    }

    pub fn total(&self) -> (u64, u64, u64) {
        self.sum(false)
    }

    pub fn first_load(&self) -> (u64, u64, u64) {
        self.sum(true)
    }

    pub fn json(&self) -> Value {
        let triple = |(raw, gzip, brotli): (u64, u64, u64)| json!({"raw": raw, "gzip": gzip, "brotli": brotli});
        json!({
            "files": self.files.iter().map(|f| json!({
                "name": f.name, "raw": f.raw, "gzip": f.gzip, "brotli": f.brotli,
                "first_load": f.first_load,
            })).collect::<Vec<_>>(),
            "total": triple(self.total()),
            "first_load": triple(self.first_load()),
        })
    }
}

fn gzip(bytes: &[u8]) -> std::io::Result<u64> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?.len() as u64)
}

fn brotli(bytes: &[u8]) -> std::io::Result<u64> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes)?;
    }
    Ok(out.len() as u64)
}

pub fn measure(dist: &Path) -> Result<Bundle, String> {
    let index = std::fs::read_to_string(dist.join("index.html")).map_err(|e| {
        format!(
            "{}: {e} (build the app first: trunk build --release)",
            dist.join("index.html").display()
        )
    })?;
    let mut files = Vec::new();
    let mut stack = vec![dist.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .strip_prefix(dist)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            // Precompressed siblings are the same file, served instead of it.
            if name.ends_with(".br") || name.ends_with(".gz") {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let first_load = name == "index.html" || index.contains(&format!("/{name}"));
            files.push(FileSize {
                raw: bytes.len() as u64,
                gzip: gzip(&bytes).map_err(|e| e.to_string())?,
                brotli: brotli(&bytes).map_err(|e| e.to_string())?,
                name,
                first_load,
            });
        }
    }
    files.sort_by(|a, b| b.brotli.cmp(&a.brotli).then(a.name.cmp(&b.name)));
    Ok(Bundle { files })
}
