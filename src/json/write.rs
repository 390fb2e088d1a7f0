//! Writing requests (and what the device remembers) as JSON: a small serde `Serializer`
//! that writes compact JSON as `serde_json::to_string` does, without serde_json's writer,
//! its error type and its number printing in every bundle.
//!
//! The same text as serde_json for everything the app sends: strings escaped alike
//! (`"`, `\`, and control characters: `\n`, `\t`, … or `\u00XX`), integers in decimal,
//! `None` and `()` as `null`, enums externally tagged. Floats are written in the standard
//! library's shortest exact form (`45.3`, `1`, `1e21`), which reads back as the same number;
//! a float that is not finite is `null`, as serde_json writes it.

use super::Error;
use serde::ser::{self, Serialize};
use std::fmt::Write;

impl ser::Error for Error {
    // As for reading: serde's messages are dropped unformatted.
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Error
    }
}

type Result<T = ()> = std::result::Result<T, Error>;

/// `value` as compact JSON.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    let mut out = Writer(String::new());
    value.serialize(&mut out)?;
    Ok(out.0)
}

struct Writer(String);

impl Writer {
    fn put(&mut self, text: &str) -> Result {
        self.0.push_str(text);
        Ok(())
    }

    fn number(&mut self, n: impl std::fmt::Display) -> Result {
        let _ = write!(self.0, "{n}");
        Ok(())
    }

    /// A float in the standard library's shortest exact form: plain (`45.3`, `1`) or, far
    /// from 1, with an exponent (`1e21`, `2.5e-300`), which every JSON reader takes back
    /// as the same number; `null` when it is not finite, as serde_json writes it.
    fn float<F>(&mut self, x: F) -> Result
    where
        F: Copy + Into<f64> + std::fmt::Display + std::fmt::LowerExp,
    {
        let magnitude = x.into().abs();
        if !magnitude.is_finite() {
            return self.put("null");
        }
        if magnitude != 0.0 && !(1e-5..1e16).contains(&magnitude) {
            let _ = write!(self.0, "{x:e}");
            return Ok(());
        }
        self.number(x)
    }

    fn string(&mut self, text: &str) -> Result {
        self.0.push('"');
        for c in text.chars() {
            match c {
                '"' => self.0.push_str("\\\""),
                '\\' => self.0.push_str("\\\\"),
                '\n' => self.0.push_str("\\n"),
                '\r' => self.0.push_str("\\r"),
                '\t' => self.0.push_str("\\t"),
                '\u{8}' => self.0.push_str("\\b"),
                '\u{c}' => self.0.push_str("\\f"),
                c if c < ' ' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.0.push_str("\\u00");
                    self.0.push(HEX[c as usize >> 4] as char);
                    self.0.push(HEX[c as usize & 15] as char);
                }
                c => self.0.push(c),
            }
        }
        self.0.push('"');
        Ok(())
    }

    /// `{"variant":` before a variant's content; [`Compound::end`] closes it.
    fn tagged(&mut self, variant: &str) -> Result {
        self.0.push('{');
        self.string(variant)?;
        self.0.push(':');
        Ok(())
    }

    /// `{"variant":` and an array or object in it.
    fn variant(
        &mut self,
        variant: &str,
        bracket: char,
        closing: &'static str,
    ) -> Result<Compound<'_>> {
        self.tagged(variant)?;
        Ok(self.open(bracket, closing))
    }

    fn open(&mut self, bracket: char, closing: &'static str) -> Compound<'_> {
        self.0.push(bracket);
        Compound {
            out: self,
            first: true,
            closing,
        }
    }
}

/// An array or object being written: its elements, separated by commas, then `closing`
/// (`]` or `}`, with a `}` more for an enum variant's content).
struct Compound<'a> {
    out: &'a mut Writer,
    first: bool,
    closing: &'static str,
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        if !std::mem::take(&mut self.first) {
            self.out.0.push(',');
        }
        value.serialize(&mut *self.out)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result {
        self.element(key)?;
        self.out.0.push(':');
        value.serialize(&mut *self.out)
    }

    fn end(self) -> Result {
        self.out.put(self.closing)
    }
}

/// `serialize_i8` … `serialize_u64`: the number in decimal.
macro_rules! numbers {
    ($($method:ident: $type:ty,)*) => {$(
        fn $method(self, v: $type) -> Result {
            self.number(v)
        }
    )*};
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result {
        self.put(if v { "true" } else { "false" })
    }
    numbers! {
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
    }
    fn serialize_f32(self, v: f32) -> Result {
        self.float(v)
    }
    fn serialize_f64(self, v: f64) -> Result {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Result {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result {
        self.string(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result {
        let mut seq = self.open('[', "]");
        for b in v {
            seq.element(b)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Result {
        self.put("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.put("null")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.put("null")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result {
        self.tagged(variant)?;
        value.serialize(&mut *self)?;
        self.put("}")
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>> {
        Ok(self.open('[', "]"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>> {
        Ok(self.open('[', "]"))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>> {
        Ok(self.open('[', "]"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>> {
        self.variant(variant, '[', "]}")
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>> {
        Ok(self.open('{', "}"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>> {
        Ok(self.open('{', "}"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>> {
        self.variant(variant, '{', "}}")
    }
}

/// serde's compound traits: each writes an item with [`Compound::element`] (arrays) or
/// [`Compound::field`] (objects, after its key), then [`Compound::end`].
macro_rules! compound {
    ($($trait:ident :: $method:ident ($($key:ident: $key_type:ty)?) => $write:ident;)*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, $($key: $key_type,)? value: &T) -> Result {
                self.$write($($key,)? value)
            }
            fn end(self) -> Result {
                Compound::end(self)
            }
        }
    )*};
}

compound! {
    SerializeSeq::serialize_element() => element;
    SerializeTuple::serialize_element() => element;
    SerializeTupleStruct::serialize_field() => element;
    SerializeTupleVariant::serialize_field() => element;
    SerializeStruct::serialize_field(key: &'static str) => field;
    SerializeStructVariant::serialize_field(key: &'static str) => field;
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    /// A key is a string; a number, bool or char key is written in quotes, as serde_json
    /// does; anything else is refused.
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        let key = to_string(key)?;
        if key.starts_with(['[', '{']) || key == "null" {
            return Err(Error);
        }
        if !std::mem::take(&mut self.first) {
            self.out.0.push(',');
        }
        if key.starts_with('"') {
            self.out.put(&key)
        } else {
            self.out.string(&key)
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.out.0.push(':');
        value.serialize(&mut *self.out)
    }
    fn end(self) -> Result {
        Compound::end(self)
    }
}
