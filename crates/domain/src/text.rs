//! The one check of a line of typed text (a name, a place, a caption), shared by the forms'
//! rules, each of which names its own field codes for what is wrong; and the one loop of
//! the escapes that write text into other formats (a calendar, an HTML page).

use crate::FieldCode;

/// What is wrong with a line of typed text, in the order it is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Nothing but white space.
    Missing,
    /// More characters than the field holds.
    TooLong,
    /// A control character (a line break, a tab) inside.
    Control,
}

/// `raw` without its surrounding white space, when that is 1 to `max` characters with no
/// control character.
pub(crate) fn line(raw: &str, max: usize) -> Result<&str, Fault> {
    let text = raw.trim();
    if text.is_empty() {
        Err(Fault::Missing)
    } else if text.chars().count() > max {
        Err(Fault::TooLong)
    } else if text.chars().any(char::is_control) {
        Err(Fault::Control)
    } else {
        Ok(text)
    }
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
