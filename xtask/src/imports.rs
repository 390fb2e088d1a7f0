//! Short names for what a bundle's WebAssembly imports from its JavaScript glue.
//!
//! wasm-bindgen names each function the module imports after the Web API it wraps and a
//! 16-digit hash (`__wbg_addEventListener_90e553fdce254421`), and both files carry every
//! name: in the glue as a key of the import object, in the module's import section. A
//! citizen bundle has about 130 of them, 4 KB of hex digits that brotli cannot shrink:
//! about 3 KB of every bundle's first load, measured. [`shorten`] renames them `a`, `b`, …,
//! `Z`, `ba`, … in both files alike and writes both files' new hashes into the page's
//! `integrity` attributes. The names mean nothing at run time: the glue hands the module an
//! object with these keys, and the module looks its imports up by them.
//!
//! The two files then get a new name: Trunk named them after what wasm-bindgen and wasm-opt
//! wrote, before this step and the glue's trimming changed them, and the server lets
//! browsers keep a file under such a name for a year. A browser that kept the files of a
//! build before this step, under the same names, would otherwise mix old and new and fail
//! to start the app.

use crate::glue::{attribute, file_name, integrity, leb, link, read_text};
use std::path::Path;

/// The module the glue's imports come from (`--target web`).
const GLUE_MODULE: &[u8] = b"wbg";

/// Renames the glue imports of the bundle in `dist` (the folder of its `index.html`), and
/// the two files after their new content: how many imports it renamed, and the bytes the
/// two files lost. A bundle whose imports are short already stays as it is.
pub fn shorten(dist: &Path) -> Result<(usize, usize), String> {
    let page_path = dist.join("index.html");
    let page = read_text(&page_path)?;
    let glue_link = link(&page, "rel=modulepreload")
        .ok_or_else(|| format!("{}: no modulepreload link", page_path.display()))?;
    let glue_name = file_name(&attribute(glue_link, "href").unwrap_or_default());
    // The module is the glue's own: `app-1.js` loads `app-1_bg.wasm`.
    let wasm_name = format!("{}_bg.wasm", glue_name.trim_end_matches(".js"));
    let wasm_link = link(&page, &format!("/{wasm_name}"))
        .ok_or_else(|| format!("{}: no link to {wasm_name}", page_path.display()))?;
    let (glue_path, wasm_path) = (dist.join(&glue_name), dist.join(&wasm_name));
    let glue = read_text(&glue_path)?;
    let wasm = std::fs::read(&wasm_path).map_err(|e| format!("{}: {e}", wasm_path.display()))?;
    let (short_wasm, renamed) =
        renamed_imports(&wasm).map_err(|e| format!("{}: {e}", wasm_path.display()))?;
    if renamed.iter().all(|(old, new)| old == new) {
        return Ok((0, 0));
    }
    let short_glue =
        renamed_in_glue(&glue, &renamed).map_err(|e| format!("{}: {e}", glue_path.display()))?;
    let mut new_page = page.clone();
    for (link, bytes) in [(glue_link, short_glue.as_bytes()), (wasm_link, &short_wasm)] {
        let old = attribute(link, "integrity")
            .ok_or_else(|| format!("{}: a link without integrity", page_path.display()))?;
        new_page = new_page.replacen(&old, &integrity(bytes), 1);
    }
    let old_stem = glue_name.trim_end_matches(".js");
    let new_stem = renamed_stem(old_stem, &short_glue, &short_wasm)
        .ok_or_else(|| format!("{}: not named as Trunk names it", glue_path.display()))?;
    let new_page = new_page.replace(&format!("/{old_stem}"), &format!("/{new_stem}"));
    for (path, bytes, name) in [
        (&wasm_path, &short_wasm[..], format!("{new_stem}_bg.wasm")),
        (&glue_path, short_glue.as_bytes(), format!("{new_stem}.js")),
    ] {
        let new_path = dist.join(&name);
        std::fs::write(&new_path, bytes).map_err(|e| format!("{name}: {e}"))?;
        if new_path != *path {
            std::fs::remove_file(path).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    std::fs::write(&page_path, new_page).map_err(|e| format!("{}: {e}", page_path.display()))?;
    let saved = (wasm.len() - short_wasm.len()) + (glue.len() - short_glue.len());
    Ok((renamed.len(), saved))
}

/// The name `stem` (`labday-book-4fbd63b4bc7bbb5`) takes for the new glue and module: its
/// hash, 16 hex digits as Trunk writes them, made of what they hold now.
fn renamed_stem(stem: &str, glue: &str, wasm: &[u8]) -> Option<String> {
    use sha2::Digest;
    let (name, hash) = stem.rsplit_once('-')?;
    let trunk_hash = (1..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit());
    let digest = sha2::Sha384::new()
        .chain_update(glue.as_bytes())
        .chain_update(wasm)
        .finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    trunk_hash.then(|| format!("{name}-{hex}"))
}

/// The `n`th short name: `a` … `Z`, then `ba`, `bb`, … (letters only, so any is a plain key).
fn short_name(mut n: usize) -> String {
    const LETTERS: &[u8; 52] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(LETTERS[n % 52]);
        n /= 52;
        if n == 0 {
            break;
        }
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// Each renamed import as `(old name, new name)`.
type Renamed = Vec<(String, String)>;

/// `wasm` with every import of the glue's module renamed, and the names it changed.
fn renamed_imports(wasm: &[u8]) -> Result<(Vec<u8>, Renamed), String> {
    let bad = || "not a WebAssembly module this understands".to_owned();
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0") {
        return Err(bad());
    }
    let mut out = wasm[..8].to_vec();
    let mut renamed = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let mut body = at + 1;
        let size = leb(wasm, &mut body).ok_or_else(bad)? as usize;
        let end = body
            .checked_add(size)
            .filter(|&e| e <= wasm.len())
            .ok_or_else(bad)?;
        if id != 2 {
            out.extend_from_slice(&wasm[at..end]);
            at = end;
            continue;
        }
        let section = &wasm[body..end];
        let mut p = 0;
        let count = leb(section, &mut p).ok_or_else(bad)?;
        let mut new = Vec::new();
        put_leb(&mut new, count);
        for _ in 0..count {
            let module = name(section, &mut p).ok_or_else(bad)?;
            let field = name(section, &mut p).ok_or_else(bad)?;
            let described = p;
            skip_description(section, &mut p).ok_or_else(bad)?;
            let field = if module == GLUE_MODULE {
                let old = String::from_utf8(field.to_vec()).map_err(|_| bad())?;
                let short = short_name(renamed.len());
                renamed.push((old, short.clone()));
                short.into_bytes()
            } else {
                field.to_vec()
            };
            for bytes in [module, &field[..]] {
                put_leb(&mut new, bytes.len() as u64);
                new.extend_from_slice(bytes);
            }
            new.extend_from_slice(&section[described..p]);
        }
        if p != section.len() {
            return Err(bad());
        }
        out.push(id);
        put_leb(&mut out, new.len() as u64);
        out.extend(new);
        at = end;
    }
    Ok((out, renamed))
}

/// A length-prefixed name at `*at`.
fn name<'a>(bytes: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(leb(bytes, at)?).ok()?;
    let name = bytes.get(*at..at.checked_add(len)?)?;
    *at += len;
    Some(name)
}

/// Moves `*at` past an import's description: a function's type, a table, a memory, a
/// global or a tag.
fn skip_description(bytes: &[u8], at: &mut usize) -> Option<()> {
    let kind = *bytes.get(*at)?;
    *at += 1;
    let limits = |at: &mut usize| -> Option<()> {
        let flags = *bytes.get(*at)?;
        *at += 1;
        leb(bytes, at)?;
        if flags & 1 == 1 {
            leb(bytes, at)?;
        }
        Some(())
    };
    match kind {
        0 => leb(bytes, at).map(|_| ()),
        1 => {
            *at += 1; // the element type
            limits(at)
        }
        2 => limits(at),
        3 => {
            *at += 2; // the value type, and whether it changes
            (*at <= bytes.len()).then_some(())
        }
        4 => {
            *at += 1; // the tag's attribute
            leb(bytes, at).map(|_| ())
        }
        _ => None,
    }
}

fn put_leb(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// `glue` with each import renamed as `renamed` says: each old name must stand exactly
/// once, as a key (`.name=`), or the glue is not shaped as this knows it and nothing changes.
fn renamed_in_glue(glue: &str, renamed: &[(String, String)]) -> Result<String, String> {
    let mut out = glue.to_owned();
    for (old, new) in renamed {
        let key = format!(".{old}=");
        let found = out.match_indices(&key).count();
        let anywhere = whole_names(&out, old);
        if found != 1 || anywhere != 1 {
            return Err(format!(
                "the import {old} stands {anywhere} times in the glue, {found} of them as a key, \
                 not once (wasm-bindgen's glue changed: see xtask/src/imports.rs)"
            ));
        }
        out = out.replacen(&key, &format!(".{new}="), 1);
    }
    Ok(out)
}

/// How many times `name` stands in `text` as a whole name: not as the start of a longer one
/// (`__wbindgen_closure_wrapper243` in `__wbindgen_closure_wrapper2439`), nor its end.
fn whole_names(text: &str, name: &str) -> usize {
    let part_of_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    text.match_indices(name)
        .filter(|&(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(part_of_name) && !after.is_some_and(part_of_name)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_starts_a_longer_one_stands_once() {
        let glue = "i.__w243=((a)=>a);i.__w2439=((a)=>a);";
        assert_eq!(whole_names(glue, "__w243"), 1);
        assert_eq!(whole_names(glue, "__w24"), 0);
        let renamed = [("__w243".to_owned(), "a".to_owned())];
        assert_eq!(
            renamed_in_glue(glue, &renamed).unwrap(),
            "i.a=((a)=>a);i.__w2439=((a)=>a);"
        );
    }

    /// A module importing `names` from the glue (functions of type 0) and its memory from
    /// elsewhere, then a type section of one byte that is kept as it is.
    fn module(names: &[&str]) -> Vec<u8> {
        let mut section = Vec::new();
        put_leb(&mut section, names.len() as u64 + 1);
        for field in names {
            for bytes in [GLUE_MODULE, field.as_bytes()] {
                put_leb(&mut section, bytes.len() as u64);
                section.extend_from_slice(bytes);
            }
            section.extend_from_slice(&[0, 0]);
        }
        section.extend_from_slice(b"\x03env\x06memory\x02\x01\x11\x80\x01");
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.push(2);
        put_leb(&mut wasm, section.len() as u64);
        wasm.extend(section);
        wasm.extend_from_slice(&[1, 1, 0]);
        wasm
    }

    #[test]
    fn short_names_are_letters_and_never_repeat() {
        let names: Vec<String> = (0..3000).map(short_name).collect();
        assert_eq!(
            (&names[0][..], &names[51][..], &names[52][..]),
            ("a", "Z", "ba")
        );
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        assert!(names
            .iter()
            .all(|n| n.bytes().all(|b| b.is_ascii_alphabetic())));
    }

    #[test]
    fn the_glue_imports_get_short_names_and_the_rest_of_the_module_stays() {
        let long: Vec<String> = (0..200).map(|i| format!("__wbg_get_{i:016x}")).collect();
        let names: Vec<&str> = long.iter().map(String::as_str).collect();
        let (wasm, renamed) = renamed_imports(&module(&names)).unwrap();
        let shorts: Vec<String> = (0..200).map(short_name).collect();
        let shorts: Vec<&str> = shorts.iter().map(String::as_str).collect();
        assert_eq!(wasm, module(&shorts), "only the names change");
        assert_eq!(renamed.len(), 200);
        assert_eq!(renamed[199], (long[199].clone(), short_name(199)));
    }

    #[test]
    fn a_module_this_cannot_read_is_an_error() {
        let mut cut = module(&["__wbg_a_1"]);
        cut.truncate(cut.len() - 6);
        assert!(renamed_imports(&cut).is_err());
        assert!(renamed_imports(b"\0asm\x02\0\0\0").is_err());
    }

    #[test]
    fn glue_keys_are_renamed_once_and_an_unexpected_use_is_an_error() {
        let glue = "b.wbg.__wbg_x_1f=(a=>a.x);b.wbg.__wbindgen_throw=(a=>{throw a});";
        let renamed = [
            ("__wbg_x_1f".to_owned(), "a".to_owned()),
            ("__wbindgen_throw".to_owned(), "b".to_owned()),
        ];
        assert_eq!(
            renamed_in_glue(glue, &renamed).unwrap(),
            "b.wbg.a=(a=>a.x);b.wbg.b=(a=>{throw a});"
        );
        let twice = format!("{glue}c(`__wbg_x_1f`);");
        assert!(renamed_in_glue(&twice, &renamed)
            .unwrap_err()
            .contains("imports.rs"));
        let missing = [("__wbg_gone_2".to_owned(), "c".to_owned())];
        assert!(renamed_in_glue(glue, &missing).is_err());
    }

    #[test]
    fn a_bundle_gets_short_names_in_both_files_new_file_names_and_their_hashes() {
        let dir = std::env::temp_dir().join(format!("labday-imports-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let glue = "const b={wbg:{}};b.wbg.__wbg_now_0123456789abcdef=(()=>Date.now());export{b}";
        let wasm = module(&["__wbg_now_0123456789abcdef"]);
        std::fs::write(dir.join("app-1f.js"), glue).unwrap();
        std::fs::write(dir.join("app-1f_bg.wasm"), &wasm).unwrap();
        let page = format!(
            "<script type=module>import init from '/b/app-1f.js';init('/b/app-1f_bg.wasm')</script>\
             <link crossorigin href=/b/app-1f.js integrity={} rel=modulepreload>\
             <link as=fetch crossorigin href=/b/app-1f_bg.wasm integrity={} rel=preload type=application/wasm>",
            integrity(glue.as_bytes()),
            integrity(&wasm)
        );
        std::fs::write(dir.join("index.html"), page).unwrap();
        let (count, saved) = shorten(&dir).unwrap();
        assert_eq!((count, saved), (1, 2 * 25));
        let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(!page.contains("app-1f"), "{page}");
        // Named after what they hold now, as Trunk would: both files, every mention.
        let stem = page
            .split("from '/b/")
            .nth(1)
            .unwrap()
            .split(".js")
            .next()
            .unwrap();
        let hash = stem.strip_prefix("app-").unwrap();
        assert!(
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{stem}"
        );
        assert_eq!(page.matches(stem).count(), 4, "{page}");
        let new_glue = std::fs::read_to_string(dir.join(format!("{stem}.js"))).unwrap();
        let new_wasm = std::fs::read(dir.join(format!("{stem}_bg.wasm"))).unwrap();
        assert_eq!(
            new_glue,
            "const b={wbg:{}};b.wbg.a=(()=>Date.now());export{b}"
        );
        assert_eq!(new_wasm, module(&["a"]));
        assert!(!dir.join("app-1f.js").exists() && !dir.join("app-1f_bg.wasm").exists());
        assert!(page.contains(&integrity(new_glue.as_bytes())), "{page}");
        assert!(page.contains(&integrity(&new_wasm)), "{page}");
        // A second run finds nothing to rename, and changes nothing.
        assert_eq!(shorten(&dir).unwrap(), (0, 0));
        assert_eq!(
            std::fs::read_to_string(dir.join("index.html")).unwrap(),
            page
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
