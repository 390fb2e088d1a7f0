//! Reading the API's JSON (and what the device remembers) into the wire types: a small
//! serde `Deserializer` whose one error says only "not what was expected".
//!
//! Why not `serde_json::from_str`: every answer that does not fit is turned into a message
//! there ("invalid type: floating point `1.5`, expected u32 at line 1 column 9"), and that
//! message machinery (serde's `Unexpected`/`Expected` texts, float printing, line and column
//! counting) is linked into every bundle though the app only ever shows "unexpected answer".
//! Writing is [`to_string`] (`json/write.rs`), for the same reason.
//!
//! It reads RFC 8259 JSON. Numbers: integers exactly (`u64`, or `i64` when negative); a
//! number with a fraction or an exponent is read exactly when its digits fit 15 significant
//! digits and its decimal exponent lies within ±22 (everything the API sends: percentages
//! to a tenth), otherwise to within a few units in the last place (away from the very ends
//! of a double's range, where it may overflow or underflow early).

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use std::borrow::Cow;
use std::fmt;

mod write;
pub use write::to_string;

/// The text was not JSON of the expected shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unexpected JSON")
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    // Serde's own messages are dropped unformatted, so none of them is linked.
    fn custom<T: fmt::Display>(_: T) -> Self {
        Error
    }
}

type Result<T> = std::result::Result<T, Error>;

/// `text` as a `T`: the whole text, with nothing but white space after the value.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T> {
    let mut reader = Reader { text, at: 0 };
    let value = T::deserialize(&mut reader)?;
    match reader.peek() {
        None => Ok(value),
        Some(_) => Err(Error),
    }
}

/// The text of each element of the array `text`, as it came (to keep each one apart).
pub fn elements(text: &str) -> Result<Vec<&str>> {
    let mut reader = Reader { text, at: 0 };
    if reader.peek() != Some(b'[') {
        return Err(Error);
    }
    let mut items = reader.open();
    let mut found = Vec::new();
    while items.more(b']')? {
        items.reader.peek();
        let start = items.reader.at;
        <de::IgnoredAny as serde::Deserialize>::deserialize(&mut *items.reader)?;
        found.push(text.get(start..items.reader.at).ok_or(Error)?);
    }
    reader.expect(b']')?;
    match reader.peek() {
        None => Ok(found),
        Some(_) => Err(Error),
    }
}

struct Reader<'de> {
    text: &'de str,
    at: usize,
}

impl<'de> Reader<'de> {
    fn bytes(&self) -> &'de [u8] {
        self.text.as_bytes()
    }

    /// The next byte that is not white space, not consumed.
    fn peek(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = bytes.get(self.at) {
            self.at += 1;
        }
        bytes.get(self.at).copied()
    }

    /// The next byte, consumed (after white space).
    fn next(&mut self) -> Result<u8> {
        let b = self.peek().ok_or(Error)?;
        self.at += 1;
        Ok(b)
    }

    fn expect(&mut self, byte: u8) -> Result<()> {
        if self.next()? == byte {
            Ok(())
        } else {
            Err(Error)
        }
    }

    /// The items of an array or object, its opening bracket peeked.
    fn open(&mut self) -> Items<'_, 'de> {
        self.at += 1;
        Items {
            reader: self,
            first: true,
        }
    }

    /// `value`, once its closing bracket follows.
    fn close<T>(&mut self, bracket: u8, value: T) -> Result<T> {
        self.expect(bracket)?;
        Ok(value)
    }

    /// `true`, `false` or `null`, its first byte already peeked.
    fn word(&mut self, word: &str) -> Result<()> {
        let end = self.at + word.len();
        if self.text.get(self.at..end) == Some(word) {
            self.at = end;
            Ok(())
        } else {
            Err(Error)
        }
    }

    /// A string, its opening quote already consumed: borrowed when it has no escapes.
    fn string(&mut self) -> Result<Cow<'de, str>> {
        let (text, bytes) = (self.text, self.bytes());
        let start = self.at;
        let mut owned = String::new();
        let mut from = start;
        loop {
            match *bytes.get(self.at).ok_or(Error)? {
                b'"' => {
                    // The quotes and backslashes it stops at are ASCII, so `get` always
                    // finds a boundary; unlike indexing, it links no panic's text.
                    let tail = text.get(from..self.at).ok_or(Error)?;
                    self.at += 1;
                    return Ok(if from == start {
                        Cow::Borrowed(tail)
                    } else {
                        owned.push_str(tail);
                        Cow::Owned(owned)
                    });
                }
                b'\\' => {
                    owned.push_str(text.get(from..self.at).ok_or(Error)?);
                    self.at += 1;
                    let escaped = match *bytes.get(self.at).ok_or(Error)? {
                        b'u' => self.unicode_escape()?,
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b @ (b'"' | b'\\' | b'/') => char::from(b),
                        _ => return Err(Error),
                    };
                    owned.push(escaped);
                    self.at += 1;
                    from = self.at;
                }
                _ => self.at += 1,
            }
        }
    }

    /// `\uXXXX` (with its low half when it is a high surrogate), `self.at` on the `u`; leaves
    /// `self.at` on the last hex digit.
    fn unicode_escape(&mut self) -> Result<char> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.text.get(self.at + 1..self.at + 3) != Some("\\u") {
                return Err(Error);
            }
            self.at += 2;
            let low = self.hex4()?;
            if !(0xDC00..0xE000).contains(&low) {
                return Err(Error);
            }
            0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or(Error)
    }

    /// The four hex digits after `self.at`; leaves `self.at` on the last.
    fn hex4(&mut self) -> Result<u32> {
        let digits = self.text.get(self.at + 1..self.at + 5).ok_or(Error)?;
        self.at += 4;
        digits
            .chars()
            .try_fold(0, |n, c| Ok(n * 16 + c.to_digit(16).ok_or(Error)?))
    }

    /// A number, handed to `visitor` as `u64`, `i64` (negative) or `f64` (with a fraction or
    /// an exponent). Only this hand-over is compiled per visitor; [`Self::scan_number`] once.
    fn number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        match self.scan_number()? {
            Number::Unsigned(n) => visitor.visit_u64(n),
            Number::Negative(n) => visitor.visit_i64(n),
            Number::Float(x) => visitor.visit_f64(x),
        }
    }

    fn scan_number(&mut self) -> Result<Number> {
        let bytes = self.bytes();
        let negative = bytes.get(self.at) == Some(&b'-');
        if negative {
            self.at += 1;
        }
        // The digits while they fit a u64; the exponent counts the fraction and the integer
        // digits left out.
        let (mut mantissa, mut exponent, mut exact) = (0u64, 0i32, true);
        let mut integer = true;
        let mut read_digits = |reader: &mut Self, fraction: bool| {
            let start = reader.at;
            while let Some(d @ b'0'..=b'9') = bytes.get(reader.at) {
                reader.at += 1;
                match mantissa
                    .checked_mul(10)
                    .and_then(|m| m.checked_add(u64::from(d - b'0')))
                {
                    Some(m) => {
                        mantissa = m;
                        exponent -= i32::from(fraction);
                    }
                    None => {
                        exact = false;
                        exponent += i32::from(!fraction);
                    }
                }
            }
            if reader.at == start {
                Err(Error)
            } else {
                Ok(())
            }
        };
        read_digits(self, false)?;
        if bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            integer = false;
            read_digits(self, true)?;
        }
        if let Some(b'e' | b'E') = bytes.get(self.at) {
            self.at += 1;
            integer = false;
            let sign = match bytes.get(self.at) {
                Some(b'-') => -1,
                Some(b'+') => 1,
                _ => 0,
            };
            if sign != 0 {
                self.at += 1;
            }
            let start = self.at;
            let mut power = 0i32;
            while let Some(d @ b'0'..=b'9') = bytes.get(self.at) {
                self.at += 1;
                power = power.saturating_mul(10).saturating_add(i32::from(d - b'0'));
            }
            if self.at == start {
                return Err(Error);
            }
            exponent = exponent.saturating_add(if sign < 0 { -power } else { power });
        }
        if integer && exact {
            return if negative {
                let value = 0i64.checked_sub_unsigned(mantissa).ok_or(Error)?;
                Ok(Number::Negative(value))
            } else {
                Ok(Number::Unsigned(mantissa))
            };
        }
        let value = float(mantissa, exponent);
        Ok(Number::Float(if negative { -value } else { value }))
    }
}

/// A number as JSON writes it, read.
enum Number {
    Unsigned(u64),
    Negative(i64),
    Float(f64),
}

/// `mantissa × 10^exponent`: exact (one correctly rounded operation) when the mantissa fits
/// the 53 bits of a double and the power of ten is itself exact.
fn float(mantissa: u64, exponent: i32) -> f64 {
    let m = mantissa as f64;
    if mantissa < 1 << 53 && (-22..=22).contains(&exponent) {
        let power = 10f64.powi(exponent.abs());
        if exponent < 0 {
            m / power
        } else {
            m * power
        }
    } else {
        m * 10f64.powi(exponent)
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.peek().ok_or(Error)? {
            b'n' => {
                self.word("null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.word("true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.word("false")?;
                visitor.visit_bool(false)
            }
            b'"' => {
                self.at += 1;
                match self.string()? {
                    Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
                    Cow::Owned(s) => visitor.visit_string(s),
                }
            }
            b'[' => {
                let value = visitor.visit_seq(self.open())?;
                self.close(b']', value)
            }
            b'{' => {
                let value = visitor.visit_map(self.open())?;
                self.close(b'}', value)
            }
            b'-' | b'0'..=b'9' => self.number(visitor),
            _ => Err(Error),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek() == Some(b'n') {
            self.word("null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    /// A unit variant as its name (`"open"`), any other as `{"name": value}`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.next()? {
            b'"' => visitor.visit_enum(self.string()?.into_deserializer()),
            b'{' => {
                let value = visitor.visit_enum(&mut *self)?;
                self.close(b'}', value)
            }
            _ => Err(Error),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// The elements of an array, or the entries of an object.
struct Items<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl Items<'_, '_> {
    /// Whether another item follows (consuming the comma before it), before `close`.
    fn more(&mut self, close: u8) -> Result<bool> {
        if self.reader.peek() == Some(close) {
            return Ok(false);
        }
        if !std::mem::take(&mut self.first) {
            self.reader.expect(b',')?;
        }
        Ok(true)
    }
}

impl<'de> SeqAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.more(b']')? {
            seed.deserialize(&mut *self.reader).map(Some)
        } else {
            Ok(None)
        }
    }
}

impl<'de> MapAccess<'de> for Items<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.more(b'}')? {
            return Ok(None);
        }
        // Keys are strings, whatever the map's key type reads them as.
        if self.reader.peek() != Some(b'"') {
            return Err(Error);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        self.reader.expect(b':')?;
        seed.deserialize(&mut *self.reader)
    }
}

/// `{"variant": value}`: the variant's name, then its value.
impl<'de> EnumAccess<'de> for &mut Reader<'de> {
    type Error = Error;
    type Variant = Self;

    /// The name is read as a string, as in a unit variant (`"open"`), so each enum's reader
    /// shares the string reading instead of a reader of any value for its names.
    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        self.expect(b'"')?;
        let name: de::value::CowStrDeserializer<'de, Error> = self.string()?.into_deserializer();
        let variant = seed.deserialize(name)?;
        self.expect(b':')?;
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for &mut Reader<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use labday_domain::{ApiError, ErrorCode, FieldCode};
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Open,
        Count(u32),
        Pair(i64, String),
        Named { at: Option<f64> },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Inner {
        shape: Shape,
        flag: bool,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Everything {
        id: i64,
        count: u32,
        small: i8,
        pct: Option<f64>,
        none: Option<String>,
        text: String,
        letter: char,
        list: Vec<Shape>,
        map: BTreeMap<String, Vec<u8>>,
        pair: (u16, bool),
        unit: (),
        #[serde(flatten)]
        inner: Inner,
        #[serde(default)]
        missing: Vec<u32>,
    }

    fn everything() -> Everything {
        Everything {
            id: -9_223_372_036_854_775_808,
            count: u32::MAX,
            small: -7,
            pct: Some(45.3),
            none: None,
            text: "南昌 \"quoted\" \\ / \n\t\u{8}\u{c}\r \u{1}𝄞 end".to_owned(),
            letter: '检',
            list: vec![
                Shape::Open,
                Shape::Count(3),
                Shape::Pair(-1, "x".into()),
                Shape::Named { at: Some(0.1) },
                Shape::Named { at: None },
            ],
            map: BTreeMap::from([("a".into(), vec![1, 2]), ("空".into(), vec![])]),
            pair: (65535, false),
            unit: (),
            inner: Inner {
                shape: Shape::Open,
                flag: true,
            },
            missing: Vec::new(),
        }
    }

    #[test]
    fn reads_what_serde_json_writes() {
        let value = everything();
        let compact = serde_json::to_string(&value).unwrap();
        assert_eq!(from_str::<Everything>(&compact), Ok(value));
        let pretty = serde_json::to_string_pretty(&everything()).unwrap();
        assert_eq!(from_str::<Everything>(&pretty), Ok(everything()));
        // Escaped by hand: \u escapes, a surrogate pair, an escaped slash.
        let escaped = compact
            .replace("南", "\\u5357")
            .replace("𝄞", "\\ud834\\udd1e");
        assert_ne!(escaped, compact);
        assert_eq!(from_str::<Everything>(&escaped), Ok(everything()));
    }

    #[test]
    fn writes_what_serde_json_writes() {
        assert_eq!(
            to_string(&everything()).unwrap(),
            serde_json::to_string(&everything()).unwrap()
        );
        let error = ApiError::new(ErrorCode::Invalid, "Check the form")
            .with_field("phone", FieldCode::PhoneInvalid);
        assert_eq!(
            to_string(&error).unwrap(),
            serde_json::to_string(&error).unwrap()
        );
        let keys = BTreeMap::from([(1u32, 'a'), (20, '\u{1f}')]);
        assert_eq!(
            to_string(&keys).unwrap(),
            serde_json::to_string(&keys).unwrap()
        );
        let bools = BTreeMap::from([(false, ()), (true, ())]);
        assert_eq!(to_string(&bools).unwrap(), r#"{"false":null,"true":null}"#);
        assert_eq!(to_string(&BTreeMap::from([((), 1)])), Err(Error));
        assert_eq!(to_string("").unwrap(), r#""""#);
        assert_eq!(to_string(&Vec::<u8>::new()).unwrap(), "[]");
    }

    /// Floats in the standard library's shortest exact form (serde_json writes `1.0` where
    /// this writes `1`): each reads back as the same number; not finite is `null`.
    #[test]
    fn writes_floats_that_read_back_exactly() {
        for x in [
            0.0,
            -0.0,
            1.0,
            45.3,
            -0.1,
            1e21,
            1.5e300,
            2.5e-300,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            let text = to_string(&x).unwrap();
            let back: f64 = serde_json::from_str(&text).unwrap();
            assert_eq!(back.to_bits(), x.to_bits(), "{x}: {text}");
        }
        assert_eq!(
            to_string(&[f64::NAN, f64::INFINITY]).unwrap(),
            "[null,null]"
        );
        assert_eq!(to_string(&Some(45.3f32)).unwrap(), "45.3");
        assert_eq!(to_string(&[1e21, 0.5]).unwrap(), "[1e21,0.5]");
    }

    #[test]
    fn splits_an_array_into_the_text_of_its_elements() {
        assert_eq!(
            elements(r#" [ {"a":[1,{"b":"]"}]} , "x\"," ,null,3.5e2 ] "#),
            Ok(vec![r#"{"a":[1,{"b":"]"}]}"#, r#""x\",""#, "null", "3.5e2"])
        );
        assert_eq!(elements("[]"), Ok(vec![]));
        for broken in ["", "{}", "[1,]", "[1 2]", "[1", "[1]x", "[,1]"] {
            assert_eq!(elements(broken), Err(Error), "{broken}");
        }
    }

    #[test]
    fn reads_the_api_error_and_its_fields() {
        let error = ApiError::new(ErrorCode::Invalid, "Check the form")
            .with_field("phone", FieldCode::PhoneInvalid);
        let text = serde_json::to_string(&error).unwrap();
        assert_eq!(from_str::<ApiError>(&text), Ok(error));
        let bare: ApiError =
            from_str(r#" {"code":"not_found","message":"No such page"} "#).unwrap();
        assert_eq!(bare, ApiError::new(ErrorCode::NotFound, "No such page"));
    }

    #[test]
    fn refuses_what_is_not_json_of_the_shape() {
        for bad in [
            "",
            " ",
            "{",
            r#"{"code":"not_found"}"#,
            r#"{"code":"no_such_code","message":"m"}"#,
            r#"{"code":"not_found","message":"m"} x"#,
            r#"{"code":"not_found","message":"m",}"#,
            r#"{"code":"not_found" "message":"m"}"#,
            r#"{"code":"not_found","message":"\x"}"#,
            r#"{"code":"not_found","message":"\ud834"}"#,
            r#"{"code":"not_found","message":"unterminated}"#,
            r#"{"code":"not_found","message":nul}"#,
            r#"{"code":"not_found","message":"m","fields":[1]}"#,
            "[]",
            "<html>",
        ] {
            assert_eq!(from_str::<ApiError>(bad), Err(Error), "{bad}");
        }
        for bad in [
            "-",
            "1.",
            "1e",
            "1.e5",
            "--1",
            "-1",
            "4294967296",
            "18446744073709551616",
        ] {
            assert_eq!(from_str::<u32>(bad), Err(Error), "{bad}");
        }
        assert_eq!(from_str::<Vec<u8>>("[1,2,]"), Err(Error));
        assert_eq!(from_str::<Vec<u8>>("[1 2]"), Err(Error));
    }

    #[test]
    fn reads_numbers_as_serde_json_does() {
        assert_eq!(from_str::<u64>("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(from_str::<i64>("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(from_str::<i64>("-9223372036854775809"), Err(Error));
        for text in [
            "0",
            "-0",
            "0.0",
            "45.3",
            "-45.3",
            "100",
            "1e3",
            "1E+3",
            "25e-1",
            "0.000001",
            "123456789012345",
            "1.5e300",
            "2.5e-300",
            "123.456e-70",
            "123.456e-7",
            "12345678901234567890",
            "0.30000000000000004",
        ] {
            let ours: f64 = from_str(text).unwrap();
            let theirs: f64 = serde_json::from_str(text).unwrap();
            // Exact where the fast path applies; within a relative 1e-15 elsewhere.
            assert!(
                ours == theirs || ((ours - theirs) / theirs).abs() < 1e-15,
                "{text}: {ours} vs {theirs}"
            );
        }
    }

    /// Decimals of up to 15 significant digits (every percentage, price or count the API
    /// sends) read exactly as the standard library's correctly rounded parser reads them.
    #[test]
    fn short_decimals_read_exactly() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..50_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let digits = 1 + (seed % 15) as usize;
            let mantissa = seed % 10u64.pow(digits as u32);
            let point = (seed >> 40) as usize % (digits + 1);
            let text = format!("{mantissa:0digits$}");
            let text = format!("{}.{}", &text[..point], &text[point..]);
            let text = text.trim_start_matches('.').to_owned();
            let text = if text.starts_with('.') || text.is_empty() {
                format!("0{text}")
            } else {
                text
            };
            let text = text.trim_end_matches('.');
            assert_eq!(
                from_str::<f64>(text),
                Ok(text.parse::<f64>().unwrap()),
                "{text}"
            );
        }
    }
}
