//! Verified phones (`--verify-phones`): a 6-digit code sent to a phone proves that whoever
//! books or registers samples with it holds it. The rules (how long a code lives, how many
//! tries it allows, how soon another may be sent, how many a phone may receive) and the
//! request and answer types; the server keeps only keyed hashes of codes and tokens.
//!
//! A right code is exchanged for a token that proves the phone for [`TOKEN_LIFETIME_SECS`],
//! so a citizen who books twice (or books, then registers samples) within ten minutes is
//! asked for one code only.

use crate::booking::BookingView;
use crate::error::{ApiError, ErrorCode, FieldCode};
use crate::message::{fits_one_segment, Composed, Lang, MessageKind};
use crate::phone::Phone;
use crate::sample::SampleView;
use serde::{Deserialize, Serialize};

/// Digits in a code.
pub const CODE_DIGITS: usize = 6;
/// A code is good for five minutes (a deployment may shorten it: `--phone-code-lifetime-secs`).
pub const CODE_LIFETIME_SECS: u32 = 300;
/// Tries one code allows: the sixth is refused even when it is right.
pub const MOST_TRIES: u32 = 5;
/// Seconds before another code may be sent to the same phone.
pub const RESEND_AFTER_SECS: u32 = 60;
/// Codes one phone may receive per hour…
pub const PER_PHONE_PER_HOUR: u32 = 5;
/// …and per day.
pub const PER_PHONE_PER_DAY: u32 = 10;
/// How long a verified phone stays verified (its token).
pub const TOKEN_LIFETIME_SECS: u32 = 600;
/// The field of a form (and of an error's `fields`) that holds the code.
pub const FIELD: &str = "phone_code";

/// Six decimal digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneCode(String);

impl PhoneCode {
    /// The code of a random number (any `u32`; the server draws it without bias).
    pub fn from_number(n: u32) -> PhoneCode {
        PhoneCode(format!("{:06}", n % 1_000_000))
    }

    /// What the citizen typed: six digits, spaces allowed (`123 456`), full-width digits
    /// read as digits.
    pub fn parse(raw: &str) -> Result<PhoneCode, FieldCode> {
        let digits: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(crate::text::half_width)
            .collect();
        if digits.is_empty() {
            return Err(FieldCode::PhoneCodeRequired);
        }
        if digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(PhoneCode(digits))
        } else {
            Err(FieldCode::PhoneCodeInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid(field: &str, code: FieldCode) -> ApiError {
    ApiError::new(ErrorCode::Invalid, "Check the phone number and the code").with_field(field, code)
}

/// Asking for a code to be sent to a phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeRequest {
    pub phone: String,
    /// The language of the text message.
    #[serde(default)]
    pub lang: Lang,
}

impl CodeRequest {
    pub fn validate(&self) -> Result<Phone, ApiError> {
        Phone::parse(&self.phone).map_err(|c| invalid("phone", c))
    }
}

/// A code is on its way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeSent {
    /// Seconds before another code may be asked for this phone.
    pub resend_after_secs: u32,
    /// Seconds the code is good for.
    pub expires_in_secs: u32,
}

/// A code typed by the citizen, to be exchanged for a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeCheck {
    pub phone: String,
    pub code: String,
}

impl CodeCheck {
    pub fn validate(&self) -> Result<(Phone, PhoneCode), ApiError> {
        let phone = Phone::parse(&self.phone);
        let code = PhoneCode::parse(&self.code);
        match (phone, code) {
            (Ok(p), Ok(c)) => Ok((p, c)),
            (p, c) => {
                let mut err =
                    ApiError::new(ErrorCode::Invalid, "Check the phone number and the code");
                if let Err(f) = p {
                    err = err.with_field("phone", f);
                }
                if let Err(f) = c {
                    err = err.with_field(FIELD, f);
                }
                Err(err)
            }
        }
    }
}

/// The phone is verified: send `token` with a booking or a sample registration of the same
/// phone (as `phone_token`) until it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneToken {
    pub token: String,
    pub expires_in_secs: u32,
}

/// Finding every booking and sample of a verified phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneFind {
    pub phone: String,
    pub phone_token: String,
}

/// Every booking and sample of a phone, newest first, as their own lookups show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneHoldings {
    pub phone_masked: String,
    pub bookings: Vec<BookingView>,
    pub samples: Vec<SampleView>,
}

/// The refusal of a booking, registration or search that needs a verified phone and came
/// without a token that is good for its phone.
pub fn verification_required() -> ApiError {
    ApiError::new(
        ErrorCode::Invalid,
        "This phone number needs verifying: enter the code sent to it",
    )
    .with_field(FIELD, FieldCode::PhoneCodeRequired)
}

/// The text message carrying a code; `minutes` it is good for.
pub fn code_message(lang: Lang, code: &PhoneCode, minutes: u32) -> Composed {
    let code = code.as_str();
    let text = match lang {
        Lang::Zh => format!("验证码{code}，{minutes}分钟内有效，用于验证手机号码。请勿告诉他人。"),
        Lang::En => {
            format!("Your labday code is {code}. It works for {minutes} minutes. Never share it.")
        }
    };
    debug_assert!(fits_one_segment(&text));
    Composed {
        kind: MessageKind::VerificationCode,
        lang,
        params: vec![code.to_owned(), minutes.to_string()],
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_typed_loosely() {
        assert_eq!(PhoneCode::parse(" 123 456 ").unwrap().as_str(), "123456");
        assert_eq!(PhoneCode::parse("１２３４５６").unwrap().as_str(), "123456");
        assert_eq!(PhoneCode::parse(""), Err(FieldCode::PhoneCodeRequired));
        for bad in ["12345", "1234567", "12a456", "١٢٣٤٥٦"] {
            assert_eq!(
                PhoneCode::parse(bad),
                Err(FieldCode::PhoneCodeInvalid),
                "{bad}"
            );
        }
        assert_eq!(PhoneCode::from_number(42).as_str(), "000042");
        assert_eq!(PhoneCode::from_number(u32::MAX).as_str().len(), 6);
    }

    #[test]
    fn a_check_names_every_wrong_field() {
        let e = CodeCheck {
            phone: "123".into(),
            code: "x".into(),
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.fields.get("phone"), Some(&FieldCode::PhoneInvalid));
        assert_eq!(e.fields.get(FIELD), Some(&FieldCode::PhoneCodeInvalid));
    }

    #[test]
    fn the_code_message_fits_one_segment_in_both_languages() {
        let code = PhoneCode::from_number(987_654);
        for lang in [Lang::Zh, Lang::En] {
            let m = code_message(lang, &code, 5);
            assert!(fits_one_segment(&m.text), "{}", m.text);
            assert!(m.text.contains("987654"));
            assert_eq!(m.kind, MessageKind::VerificationCode);
        }
    }
}
