//! The one check of a line of typed text (a name, a place, a caption) and of the characters
//! of a longer one (a description), shared by the forms' rules, each of which names its own
//! field codes for what is wrong; and the one loop of
//! the escapes that write text into other formats (a calendar, an HTML page).

use crate::FieldCode;

/// What is wrong with a line of typed text, in the order it is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Nothing that shows: only white space and invisible characters.
    Missing,
    /// More characters than the field holds.
    TooLong,
    /// A control character (a line break, a tab) or a bidirectional override inside.
    Control,
}

/// Whether `c` is a bidirectional embedding, override or isolate (U+202A–U+202E,
/// U+2066–U+2069): each makes the text after it display in another order, so that a name
/// on a roster or a report reads other than it was typed. (The marks U+200E, U+200F and
/// U+061C only nudge neutral characters and are kept.)
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` draws nothing: white space, a control, or a default-ignorable code point
/// (Unicode's `Default_Ignorable_Code_Point`: zero-width spaces and joiners, the word
/// joiner, bidirectional marks, variation selectors, the byte-order mark, Hangul fillers,
/// tags…). Such characters are kept where they join visible ones (the U+200D inside 👨‍👩‍👧),
/// but a text made only of them is blank.
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'..='\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFF8}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// Whether `c` is padding that may be dropped where a text begins: white space and the
/// invisible characters of [`is_invisible`], except the controls (a bell, a vertical tab)
/// and bidirectional controls, which [`line`] refuses wherever they stand rather than
/// dropping them unseen.
fn is_padding(c: char) -> bool {
    is_invisible(c) && !is_bidi_control(c) && (c.is_whitespace() || !c.is_control())
}

/// Whether `c` may be dropped where a text ends: [`is_padding`], except the characters
/// that change the one before them (variation selectors, tags, the combining grapheme
/// joiner, the Hangul jungseong filler, the Mongolian and Khmer ones), which end an emoji
/// such as ❤️ or a flag.
fn is_trailing_padding(c: char) -> bool {
    is_padding(c)
        && !matches!(
            c,
            '\u{034F}'
                | '\u{1160}'
                | '\u{17B4}'..='\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// `raw` without the padding around it: white space, and the invisible characters that
/// text pasted from a spreadsheet, a chat or a web page brings along (a byte-order mark, a
/// zero-width space, a soft hyphen), which would make "\u{FEFF}张三" a name that looks like
/// 张三 but is not found as 张三, nor counted as the same.
///
/// A text of nothing but such characters keeps them (less its white space), so that it is
/// refused as blank rather than taken for an empty field.
pub fn trim(raw: &str) -> &str {
    let text = raw
        .trim_start_matches(is_padding)
        .trim_end_matches(is_trailing_padding);
    if text.is_empty() {
        raw.trim()
    } else {
        text
    }
}

/// Whether two texts read the same: equal once the invisible characters ([`is_invisible`],
/// but spaces) are left out of both and full-width letters and digits read as ASCII
/// ([`half_width`]), as a reader comparing them on a screen would find.
pub fn looks_same(a: &str, b: &str) -> bool {
    let shown = |t: &str| {
        t.chars()
            .filter(|c| *c == ' ' || !is_invisible(*c))
            .map(half_width)
            .collect::<String>()
    };
    shown(a) == shown(b)
}

/// A full-width character (`４`, `Ｋ`, `＋`, as Chinese input methods type them in full-width
/// mode) as its ASCII one, and the ideographic space as a space; any other character as it
/// is.
pub fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        c => c,
    }
}

/// Whether `text` has no character that shows (empty, white space, invisible characters).
pub fn is_blank(text: &str) -> bool {
    text.chars().all(is_invisible)
}

/// Whether `c` may stand in a one-line text: no control, no line or paragraph separator
/// (U+2028, U+2029: a line break by another name), no bidirectional override, no
/// interlinear annotation marks (U+FFF9–U+FFFB) or language tag (U+E0001), which hide text
/// or mark it up rather than write it, and no
/// noncharacter (U+FDD0–U+FDEF, and U+xFFFE, U+xFFFF of every plane: never text, and not
/// allowed in a report's XML).
pub(crate) fn fits_line(c: char) -> bool {
    !c.is_control()
        && !matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{FDD0}'..='\u{FDEF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{E0001}'
        )
        && (u32::from(c) & 0xFFFE) != 0xFFFE
        && !is_bidi_control(c)
}

/// Whether `c` may stand in a text of several lines: [`fits_line`], and the line break,
/// carriage return and tab a text area sends, and the line and paragraph separators text
/// pasted from elsewhere may hold.
fn fits_block(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}') || fits_line(c)
}

/// `raw` without the padding around it ([`trim`]), when that is 1 to `max` characters, at least
/// one of which shows, with no control character and no bidirectional override.
pub(crate) fn line(raw: &str, max: usize) -> Result<&str, Fault> {
    let text = trim(raw);
    if is_blank(text) {
        Err(Fault::Missing)
    } else if text.chars().count() > max {
        Err(Fault::TooLong)
    } else if !text.chars().all(fits_line) {
        Err(Fault::Control)
    } else {
        Ok(text)
    }
}

/// Whether a text whose presence and length are checked on their own may be kept as it is:
/// empty (after trimming), or with something that shows and no character [`line`] refuses
/// (with `several_lines`, line breaks and tabs allowed too: a description).
pub(crate) fn may_keep(text: &str, several_lines: bool) -> bool {
    let fits = if several_lines { fits_block } else { fits_line };
    let text = trim(text);
    text.is_empty() || (!is_blank(text) && text.chars().all(fits))
}

/// [`line`] with the codes most fields report: `missing`, then
/// [`FieldCode::TextTooLong`] or [`FieldCode::TextInvalid`].
pub(crate) fn short_text(raw: &str, max: usize, missing: FieldCode) -> Result<String, FieldCode> {
    line(raw, max)
        .map(str::to_owned)
        .map_err(|fault| match fault {
            Fault::Missing => missing,
            Fault::TooLong => FieldCode::TextTooLong,
            Fault::Control => FieldCode::TextInvalid,
        })
}

/// `text` with every character that `escaped` has a replacement for replaced by it (an
/// empty replacement drops the character); the others kept as they are.
pub fn escape_with(text: &str, escaped: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match escaped(c) {
            Some(replacement) => out.push_str(replacement),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_trimmed_and_checked_in_order() {
        assert_eq!(line("  张三 ", 2), Ok("张三"));
        assert_eq!(line(" \t ", 2), Err(Fault::Missing));
        assert_eq!(line("张三丰", 2), Err(Fault::TooLong));
        assert_eq!(line("a\nb", 2), Err(Fault::TooLong));
        assert_eq!(line("a\nb", 3), Err(Fault::Control));
        assert_eq!(line("a\u{B}b", 3), Err(Fault::Control));
    }

    #[test]
    fn pasted_padding_is_dropped_at_the_ends_and_kept_where_it_joins() {
        // A byte-order mark from a spreadsheet, a zero-width space from a chat, a soft hyphen.
        assert_eq!(line("\u{FEFF}张三", 2), Ok("张三"));
        assert_eq!(line("\u{200B} 张三\u{200B}\u{00AD}", 2), Ok("张三"));
        assert_eq!(line("\u{2060}Alice\u{200D}\u{FEFF}", 5), Ok("Alice"));
        assert_eq!(
            trim("\u{3000}\u{200C}青山湖区农贸市场\u{3164} "),
            "青山湖区农贸市场"
        );
        // What ends an emoji or a flag stays, and so does a joiner inside one.
        assert_eq!(trim("爱心❤\u{FE0F}"), "爱心❤\u{FE0F}");
        let flag = "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
        assert_eq!(trim(flag), flag);
        assert_eq!(
            line("👨\u{200D}👩\u{200D}👧", 8),
            Ok("👨\u{200D}👩\u{200D}👧")
        );
        // A control or a bidirectional control is refused, not dropped unseen; so is a text
        // of nothing but padding.
        assert_eq!(line("张三\u{7}", 40), Err(Fault::Control));
        assert_eq!(line("\u{FEFF}\u{200B}", 40), Err(Fault::Missing));
        assert_eq!(line("\u{202E}Alice", 40), Err(Fault::Control));
        assert_eq!(line("Alice\u{2069}", 40), Err(Fault::Control));
        assert!(may_keep("\u{FEFF}一楼大厅", false));
        // A variation selector or a tag at the end stays, whatever it follows: it may finish
        // an emoji. A title that only reads like another is still told apart where it
        // matters (`looks_same`).
        assert_eq!(trim("开放日\u{FE0F}\u{200B}"), "开放日\u{FE0F}");
        assert!(looks_same("开放日\u{FE0F}", "开放日"));
        assert!(looks_same("安全培训１２３４", "安全培训1234"));
        assert!(looks_same("开放日\u{200B}测试", "开放日测试"));
        assert!(!looks_same("开放日 测试", "开放日测试"));
        for hidden in ["参观\u{FFF9}x\u{FFFB}", "参观\u{E0001}x"] {
            assert_eq!(line(hidden, 40), Err(Fault::Control), "{hidden:?}");
        }
        assert!(!may_keep("\u{200B}", false));
    }

    #[test]
    fn a_text_with_nothing_that_shows_is_missing() {
        for blank in [
            "\u{200B}",
            "\u{2060}\u{200D}",
            "\u{202E}\u{200B}",
            "\u{FEFF}",
            " \u{3000}\u{200B} ",
            "\u{2066}\u{2069}",
            "\u{3164}",
            "\u{2800}",
        ] {
            assert_eq!(line(blank, 40), Err(Fault::Missing), "{blank:?}");
            assert!(is_blank(blank), "{blank:?}");
            assert!(!may_keep(blank, false), "{blank:?}");
        }
    }

    #[test]
    fn line_separators_and_noncharacters_are_refused_in_one_line() {
        for c in [
            '\u{2028}',
            '\u{2029}',
            '\u{FDD0}',
            '\u{FDEF}',
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{1FFFF}',
            '\u{10FFFE}',
        ] {
            assert_eq!(line(&format!("张{c}三"), 40), Err(Fault::Control), "{c:?}");
            assert!(!may_keep(&format!("a{c}b"), false), "{c:?}");
            let separator = matches!(c, '\u{2028}' | '\u{2029}');
            assert_eq!(may_keep(&format!("a{c}b"), true), separator, "{c:?}");
        }
        // Their neighbours are ordinary text.
        for c in ['\u{2027}', '\u{FDCF}', '\u{FDF0}', '\u{FFFD}', '\u{1FFFD}'] {
            assert!(line(&format!("张{c}三"), 40).is_ok(), "{c:?}");
        }
    }

    #[test]
    fn bidirectional_overrides_embeddings_and_isolates_are_refused_anywhere() {
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            assert_eq!(line(&format!("张{c}三"), 40), Err(Fault::Control), "{c:?}");
            assert_eq!(line(&format!("{c}Alice"), 40), Err(Fault::Control), "{c:?}");
            assert!(!may_keep(&format!("a{c}b"), true), "{c:?}");
        }
        // The marks only nudge neutral characters: kept.
        assert_eq!(line("Ali\u{200F}ce", 40), Ok("Ali\u{200F}ce"));
    }

    #[test]
    fn real_names_in_any_script_stay_accepted() {
        for name in [
            "张三",
            "O'Brien",
            "Zoë",
            "Jean-Luc Picard",
            "👨\u{200D}👩\u{200D}👧",
            "李\u{200B}四",
            "محمد",
            "❤\u{FE0F}",
        ] {
            assert_eq!(line(name, 40), Ok(name), "{name:?}");
            assert!(may_keep(name, false), "{name:?}");
        }
    }

    #[test]
    fn several_lines_keep_breaks_and_tabs_but_no_other_control() {
        assert!(may_keep("第一行\n第二行\r\n\t第三行", true));
        assert!(may_keep("", true) && may_keep("  ", false));
        assert!(!may_keep("第一行\n第二行", false));
        assert!(!may_keep("第一行\u{B}第二行", true), "vertical tab");
        assert!(!may_keep("a\u{7}b", true), "bell");
        assert!(!may_keep("a\u{0}b", true));
        assert!(!may_keep("a\u{85}b", true), "C1 next line");
    }

    #[test]
    fn escaping_replaces_drops_or_keeps_each_character() {
        let escaped = escape_with("a<b\u{7}张", |c| match c {
            '<' => Some("&lt;"),
            '\u{7}' => Some(""),
            _ => None,
        });
        assert_eq!(escaped, "a&lt;b张");
    }
}
