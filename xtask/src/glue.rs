//! A citizen bundle's JavaScript glue, trimmed of what its WebAssembly no longer has.
//!
//! leptos links server_fn's streamed bodies (wasm-streams), whose three classes
//! (`IntoUnderlyingByteSource`, `…Sink`, `…Source`) wasm-bindgen exports; the citizen pages'
//! wasm-opt step drops those exports and their code (`index.html`: `--remove-exports`), but
//! the glue wasm-bindgen wrote before it still carries a class for each, calling functions
//! that are gone: about 1.7 KB of minified JavaScript, 280 B of brotli in every citizen
//! bundle. [`trim`] takes them out of the glue and writes the glue's new hash into the
//! page's `integrity` attribute. A bundle whose WebAssembly still exports them (the staff
//! console's) keeps its glue as it is.

use std::path::Path;

/// The classes of the exports wasm-opt drops, as the glue exports them.
const DROPPED: [&str; 3] = [
    "IntoUnderlyingByteSource",
    "IntoUnderlyingSink",
    "IntoUnderlyingSource",
];
/// How the WebAssembly's exports (and the glue's calls) of those classes begin.
const DROPPED_EXPORTS: &str = "intounderlying";

/// Trims the glue of the bundle in `dist` (the folder of its `index.html`): the bytes it
/// took out, or `None` when the WebAssembly still has those exports.
pub fn trim(dist: &Path) -> Result<Option<usize>, String> {
    let page_path = dist.join("index.html");
    let page = read_text(&page_path)?;
    let glue_link = link(&page, "rel=modulepreload")
        .ok_or_else(|| format!("{}: no modulepreload link", page_path.display()))?;
    let wasm_link = link(&page, "type=application/wasm")
        .ok_or_else(|| format!("{}: no link to the WebAssembly", page_path.display()))?;
    let wasm_path = dist.join(file_name(&attribute(wasm_link, "href").unwrap_or_default()));
    let wasm = std::fs::read(&wasm_path).map_err(|e| format!("{}: {e}", wasm_path.display()))?;
    if exports(&wasm)?
        .iter()
        .any(|name| name.starts_with(DROPPED_EXPORTS))
    {
        return Ok(None);
    }
    let glue_path = dist.join(file_name(&attribute(glue_link, "href").unwrap_or_default()));
    let glue = read_text(&glue_path)?;
    let trimmed = without_dropped(&glue).map_err(|e| format!("{}: {e}", glue_path.display()))?;
    let old = attribute(glue_link, "integrity")
        .ok_or_else(|| format!("{}: the glue's link has no integrity", page_path.display()))?;
    let new = integrity(trimmed.as_bytes());
    let page = page.replacen(&old, &new, 1);
    std::fs::write(&glue_path, &trimmed).map_err(|e| format!("{}: {e}", glue_path.display()))?;
    std::fs::write(&page_path, page).map_err(|e| format!("{}: {e}", page_path.display()))?;
    Ok(Some(glue.len() - trimmed.len()))
}

pub(crate) fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The `<link …>` tag of `page` that holds `marker`.
pub(crate) fn link<'a>(page: &'a str, marker: &str) -> Option<&'a str> {
    page.split("<link")
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or_default())
        .find(|tag| tag.contains(marker))
}

/// An attribute's value in a tag, quoted or not (minified HTML leaves most unquoted).
pub(crate) fn attribute(tag: &str, name: &str) -> Option<String> {
    let rest = tag.split(&format!(" {name}=")).nth(1)?;
    let value = match rest.chars().next()? {
        quote @ ('"' | '\'') => rest[1..].split(quote).next()?,
        _ => rest.split([' ', '\t', '\n']).next()?,
    };
    Some(value.to_owned())
}

/// The last part of a URL path (`/bundles/book/labday-book-….js` → `labday-book-….js`).
pub(crate) fn file_name(href: &str) -> String {
    href.rsplit('/').next().unwrap_or(href).to_owned()
}

/// The glue without the dropped classes, their finalisers and their names in its `export`
/// list; an error if anything else still calls the dropped exports.
fn without_dropped(glue: &str) -> Result<String, String> {
    let list_at = glue.rfind("export{").ok_or("no export list at its end")?;
    let list_end = list_at + glue[list_at..].find('}').ok_or("an unclosed export list")?;
    let mut kept = Vec::new();
    let mut classes = Vec::new();
    for entry in glue[list_at + "export{".len()..list_end].split(',') {
        let (local, name) = entry.split_once(" as ").unwrap_or((entry, entry));
        if DROPPED.contains(&name.trim()) {
            classes.push(local.trim().to_owned());
        } else {
            kept.push(entry);
        }
    }
    let mut out = format!(
        "{}export{{{}}}{}",
        &glue[..list_at],
        kept.join(","),
        &glue[list_end + 1..]
    );
    for class in classes {
        let start = out
            .find(&format!("class {class}{{"))
            .ok_or_else(|| format!("no class {class}"))?;
        let end = start
            + block_end(&out[start..]).ok_or_else(|| format!("class {class} is not closed"))?;
        // Its finaliser is the declaration just before it, naming its `…_free`.
        let finaliser = out[..start]
            .rfind("const ")
            .filter(|&at| out[at..start].contains(DROPPED_EXPORTS) && out[at..start].ends_with(';'))
            .unwrap_or(start);
        out.replace_range(finaliser..end, "");
    }
    if out.to_lowercase().contains(DROPPED_EXPORTS) {
        return Err(format!(
            "still calls an export whose name begins {DROPPED_EXPORTS} after trimming \
             (wasm-bindgen's glue changed: see xtask/src/glue.rs)"
        ));
    }
    Ok(out)
}

/// The length of the block that begins with the first `{` of `code`, to its matching `}`
/// (the glue's class bodies hold no braces in strings).
fn block_end(code: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (at, c) in code.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// A subresource-integrity value: `sha384-` and the digest in base64.
pub(crate) fn integrity(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The names a WebAssembly module exports.
fn exports(wasm: &[u8]) -> Result<Vec<String>, String> {
    let bad = || "not a WebAssembly module".to_owned();
    if wasm.get(..4) != Some(b"\0asm") {
        return Err(bad());
    }
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let mut body = at + 1;
        let size = leb(wasm, &mut body).ok_or_else(bad)?;
        let end = body
            .checked_add(size as usize)
            .filter(|&e| e <= wasm.len())
            .ok_or_else(bad)?;
        if id == 7 {
            let mut p = body;
            let count = leb(wasm, &mut p).ok_or_else(bad)?;
            let mut names = Vec::new();
            for _ in 0..count {
                let len = leb(wasm, &mut p).ok_or_else(bad)? as usize;
                let name = wasm.get(p..p + len).ok_or_else(bad)?;
                names.push(String::from_utf8_lossy(name).into_owned());
                p += len + 1; // the name, then the kind
                leb(wasm, &mut p).ok_or_else(bad)?; // the index
            }
            return Ok(names);
        }
        at = end;
    }
    Ok(Vec::new())
}

/// An unsigned LEB128 number at `*at`, moving `*at` past it.
pub(crate) fn leb(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A glue shaped as wasm-bindgen 0.2.100 writes it and Trunk minifies it.
    const GLUE: &str = "let a;const U=FinalizationRegistry,K=`undefined`,O=0,S=1;\
        const x=[`bytes`];\
        const y=typeof U===K?{register:()=>{},unregister:()=>{}}:new U(b=>a.__wbg_intounderlyingbytesource_free(b>>>O,S));\
        class z{free(){a.__wbg_intounderlyingbytesource_free(this.p,O)}type(){const b=a.intounderlyingbytesource_type(this.p);return x[b]}}\
        const A=typeof U===K?{register:()=>{},unregister:()=>{}}:new U(b=>a.__wbg_intounderlyingsink_free(b>>>O,S));\
        class B{abort(b){if(b){return a.intounderlyingsink_abort(this.p,b)}}}\
        const C=typeof U===K?{register:()=>{},unregister:()=>{}}:new U(b=>a.__wbg_intounderlyingsource_free(b>>>O,S));\
        class D{pull(b){return a.intounderlyingsource_pull(this.p,b)}}\
        function I(b){return a.start(b)}\
        export default I;export{z as IntoUnderlyingByteSource,B as IntoUnderlyingSink,D as IntoUnderlyingSource,I as initSync}";

    #[test]
    fn the_dropped_classes_leave_the_glue_and_the_rest_stays() {
        let trimmed = without_dropped(GLUE).unwrap();
        assert_eq!(
            trimmed,
            "let a;const U=FinalizationRegistry,K=`undefined`,O=0,S=1;const x=[`bytes`];\
             function I(b){return a.start(b)}export default I;export{I as initSync}"
        );
    }

    #[test]
    fn glue_that_still_calls_a_dropped_export_is_an_error() {
        let calls = GLUE.replace("return a.start(b)", "return a.intounderlyingsink_abort(b)");
        assert!(without_dropped(&calls).unwrap_err().contains("glue.rs"));
        assert!(without_dropped("let a=1;")
            .unwrap_err()
            .contains("export list"));
    }

    /// A module with the given exports (all functions, index 0), and no other section.
    fn module(names: &[&str]) -> Vec<u8> {
        let mut section = vec![names.len() as u8];
        for name in names {
            section.push(name.len() as u8);
            section.extend_from_slice(name.as_bytes());
            section.extend_from_slice(&[0, 0]);
        }
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend_from_slice(&[1, 1, 0]); // a type section of one byte, skipped
        wasm.push(7);
        wasm.push(section.len() as u8);
        wasm.extend(section);
        wasm
    }

    fn bundle(exports: &[&str]) -> tempfile_dir::Dir {
        let dir = tempfile_dir::Dir::new();
        let glue_sri = integrity(GLUE.as_bytes());
        std::fs::write(dir.0.join("app-1.js"), GLUE).unwrap();
        std::fs::write(dir.0.join("app-1_bg.wasm"), module(exports)).unwrap();
        std::fs::write(
            dir.0.join("index.html"),
            format!(
                "<link crossorigin href=/b/app-1.js integrity={glue_sri} rel=modulepreload>\
                 <link as=fetch crossorigin href=/b/app-1_bg.wasm integrity=sha384-w rel=preload type=application/wasm>"
            ),
        )
        .unwrap();
        dir
    }

    #[test]
    fn a_bundle_without_the_exports_gets_trimmed_glue_and_its_new_hash() {
        let dir = bundle(&["memory", "start"]);
        let took = trim(&dir.0).unwrap().unwrap();
        let glue = std::fs::read_to_string(dir.0.join("app-1.js")).unwrap();
        assert_eq!(took, GLUE.len() - glue.len());
        assert!(!glue.contains("IntoUnderlying"), "{glue}");
        let page = std::fs::read_to_string(dir.0.join("index.html")).unwrap();
        assert!(page.contains(&integrity(glue.as_bytes())), "{page}");
        assert!(!page.contains(&integrity(GLUE.as_bytes())), "{page}");
    }

    #[test]
    fn a_bundle_that_still_exports_them_keeps_its_glue() {
        let dir = bundle(&["memory", "intounderlyingsink_abort"]);
        assert_eq!(trim(&dir.0).unwrap(), None);
        assert_eq!(
            std::fs::read_to_string(dir.0.join("app-1.js")).unwrap(),
            GLUE
        );
    }

    /// A folder of its own under the system's temporary folder, removed when dropped.
    mod tempfile_dir {
        pub struct Dir(pub std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                use std::sync::atomic::{AtomicU32, Ordering};
                static N: AtomicU32 = AtomicU32::new(0);
                let path = std::env::temp_dir().join(format!(
                    "labday-glue-{}-{}",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&path).unwrap();
                Dir(path)
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
