//! Mainland mobile numbers: the key a booking is tied to, and personal data that is shown
//! masked (`138****8000`) everywhere except where its holder typed it.

use crate::error::FieldCode;
use serde::{Deserialize, Serialize};

/// A mainland China mobile number, normalised to its 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts `13800138000`, `+8613800138000`, `008613800138000`, with spaces or dashes.
    /// Deliberately loose past the `1[3-9]` prefix: number ranges change.
    pub fn parse(raw: &str) -> Result<Phone, FieldCode> {
        let digits: String = raw
            .chars()
            .map(crate::text::half_width)
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("0086"))
            .unwrap_or(&digits);
        let bytes = digits.as_bytes();
        let ok = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if ok {
            Ok(Phone(digits.to_owned()))
        } else {
            Err(FieldCode::PhoneInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****8000`: what every list and response shows.
    pub fn masked(&self) -> String {
        let part = |range: std::ops::Range<usize>| self.0.get(range).unwrap_or_default();
        format!("{}****{}", part(0..3), part(7..11))
    }

    /// The last four digits, used with a code to look something up.
    pub fn last4(&self) -> &str {
        // Eleven ASCII digits (`parse`); `get` links no panic's text into the WebAssembly.
        self.0.get(7..).unwrap_or_default()
    }
}

impl TryFrom<String> for Phone {
    type Error = FieldCode;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Phone::parse(&value)
    }
}

impl From<Phone> for String {
    fn from(value: Phone) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_spellings() {
        // Full-width, as a Chinese input method types in full-width mode.
        for raw in [
            "13800138000",
            "+86 138 0013 8000",
            "0086-13800138000",
            "１３８００１３８０００",
            "＋８６　１３８－００１３－８０００",
        ] {
            assert_eq!(Phone::parse(raw).unwrap().as_str(), "13800138000");
        }
    }

    #[test]
    fn rejects_landlines_short_and_foreign() {
        for raw in [
            "",
            "12800138000",
            "1380013800",
            "138001380001",
            "02088888888",
            "abc",
        ] {
            assert!(Phone::parse(raw).is_err(), "{raw} should be refused");
        }
    }

    #[test]
    fn masks_the_middle_four() {
        assert_eq!(Phone::parse("13800138000").unwrap().masked(), "138****8000");
    }

    proptest! {
        #[test]
        fn masked_never_reveals_middle_digits(n in 3_000_000_000u64..10_000_000_000u64) {
            let raw = format!("1{n}");
            let phone = Phone::parse(&raw).unwrap();
            let masked = phone.masked();
            prop_assert_eq!(masked.len(), 11);
            prop_assert!(!masked.contains(&raw[3..7]) || raw[3..7] == raw[7..]);
        }
    }
}
