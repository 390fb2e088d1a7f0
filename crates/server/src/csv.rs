//! The one CSV writer behind every export (roster, summary). Exports are opened in Excel,
//! WPS or LibreOffice by staff who trust them, so a cell a citizen typed must never become
//! a formula there: text that starts like a formula is neutralised with a leading `'`,
//! which spreadsheets show as text and do not evaluate (OWASP's advice for CSV injection).
//!
//! Cells come in two kinds. [`Cell::Text`] is anything that came from a person or from
//! stored data (names, phones, titles, codes, dates): always neutralised and quoted as
//! needed. [`Cell::Number`] is an integer the server counted itself: written as the number
//! it is, so a spreadsheet can sum the column. A negative count is a number, not a formula
//! (`-3` evaluates to -3 and can carry nothing else), so numbers are never prefixed.
//!
//! Files are UTF-8 with a byte-order mark (so spreadsheets read the Chinese text) and CRLF
//! line ends (RFC 4180).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

/// First characters that make a spreadsheet read a cell as a formula (`=`, `+`, `-`, `@`)
/// or that it strips before looking for one (tab, carriage return). The full-width forms
/// are what Chinese input methods type; quoting them as well costs nothing.
const FORMULA_STARTS: [char; 10] = [
    '=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
];

/// One cell of a row.
#[derive(Debug, Clone, Copy)]
pub enum Cell<'a> {
    /// Text from a person or from the database: neutralised and quoted.
    Text(&'a str),
    /// A count the server computed.
    Number(i64),
}

impl From<u32> for Cell<'_> {
    fn from(n: u32) -> Self {
        Cell::Number(i64::from(n))
    }
}

impl From<i64> for Cell<'_> {
    fn from(n: i64) -> Self {
        Cell::Number(n)
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(s: &'a str) -> Self {
        Cell::Text(s)
    }
}

impl<'a> From<&'a String> for Cell<'a> {
    fn from(s: &'a String) -> Self {
        Cell::Text(s)
    }
}

/// A CSV document being written, row by row.
pub struct Csv {
    out: String,
}

impl Csv {
    /// A document with a byte-order mark and the given header row.
    pub fn with_header(columns: &[&str]) -> Csv {
        let mut csv = Csv {
            out: String::from("\u{feff}"),
        };
        csv.row(columns.iter().map(|c| Cell::Text(c)));
        csv
    }

    /// Appends one row.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = Cell<'a>>) {
        for (i, cell) in cells.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            match cell {
                Cell::Text(text) => push_text(&mut self.out, text),
                Cell::Number(n) => {
                    let _ = write!(self.out, "{n}");
                }
            }
        }
        self.out.push_str("\r\n");
    }

    /// Appends an empty line (between two tables in one file).
    pub fn blank_line(&mut self) {
        self.out.push_str("\r\n");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// A finished document as a download saved as `filename`, kept by no cache.
pub fn download(csv: String, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv,
    )
        .into_response()
}

/// Appends `text` as one cell: `'` before a formula start, quotes when it holds a
/// separator, a quote or a line break.
fn push_text(out: &mut String, text: &str) {
    let neutralise = text.starts_with(FORMULA_STARTS);
    let quote = text.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if neutralise {
        out.push('\'');
    }
    if quote {
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str) -> String {
        let mut out = String::new();
        push_text(&mut out, text);
        out
    }

    #[test]
    fn every_formula_start_is_neutralised() {
        for (text, neutralised) in [
            ("=1+2", "'=1+2"),
            ("+1+2", "'+1+2"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+2", "'\t=1+2"),
            ("＝1+2", "'＝1+2"),
            ("＋1", "'＋1"),
            ("－1", "'－1"),
            ("＠A1", "'＠A1"),
        ] {
            assert_eq!(cell(text), neutralised, "{text:?}");
        }
        assert_eq!(
            cell("\r=1+2"),
            "\"'\r=1+2\"",
            "a carriage return also needs quotes"
        );
    }

    #[test]
    fn a_formula_with_quotes_and_commas_stays_one_neutral_cell() {
        assert_eq!(
            cell("=HYPERLINK(\"http://evil.test\",\"x\")"),
            "\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\""
        );
    }

    #[test]
    fn ordinary_text_is_left_alone_and_awkward_text_is_quoted() {
        assert_eq!(cell("a=b"), "a=b", "only the first character matters");
        for (text, written) in [
            ("王小明", "王小明"),
            ("13800138000", "13800138000"),
            ("", ""),
            ("王, 小明", "\"王, 小明\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
        ] {
            assert_eq!(cell(text), written, "{text:?}");
        }
    }

    #[test]
    fn numbers_stay_numbers_even_when_negative() {
        let mut csv = Csv::with_header(&["a", "b", "c"]);
        csv.row([Cell::Number(-3), 7u32.into(), "-3".into()]);
        assert_eq!(csv.finish(), "\u{feff}a,b,c\r\n-3,7,'-3\r\n");
    }

    #[test]
    fn a_document_has_a_bom_crlf_lines_and_blank_lines_between_tables() {
        let mut csv = Csv::with_header(&["名称 name", "n"]);
        csv.row(["开放日, 上午".into(), Cell::Number(1)]);
        csv.blank_line();
        csv.row(["day".into(), "n".into()]);
        assert_eq!(
            csv.finish(),
            "\u{feff}名称 name,n\r\n\"开放日, 上午\",1\r\n\r\nday,n\r\n"
        );
    }
}
