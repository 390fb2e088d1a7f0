//! Keyed hashes under a server secret, so the database can tell "the same phone", "the same
//! request" or "the same client" without keeping the phone, the request or the address. A
//! plain hash of an 11-digit phone number (or of one of the 2^32 IPv4 addresses) is undone by
//! trying every one; an HMAC under a secret the database row alone does not reveal is not
//! (the secret lives in its own table, and a dump of `bookings` misses it).
//!
//! Each purpose hashes under a key of its own, derived from the secret, so a value hashed
//! for one purpose never equals one hashed for another.

use hmac::{Hmac, Mac};
use labday_domain::booking::{BookingCode, CODE_LEN};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of a server secret.
pub const SECRET_LEN: usize = 32;

/// A server secret: random bytes made once per installation. Never printed.
pub struct ServerSecret([u8; SECRET_LEN]);

impl ServerSecret {
    /// A fresh secret from the operating system's random source.
    pub fn generate() -> ServerSecret {
        let mut bytes = [0u8; SECRET_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        ServerSecret(bytes)
    }

    /// The secret as stored (lower-case hex, one text for both databases).
    pub fn to_hex(&self) -> String {
        lower_hex(&self.0)
    }

    /// A stored secret; `None` when the text is not [`SECRET_LEN`] bytes of hex.
    pub fn from_hex(text: &str) -> Option<ServerSecret> {
        let text = text.as_bytes();
        if text.len() != 2 * SECRET_LEN {
            return None;
        }
        let mut bytes = [0u8; SECRET_LEN];
        for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(ServerSecret(bytes))
    }
}

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerSecret(..)")
    }
}

/// What a keyed hash is for; each has its own key.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    /// A canonical request body, to tell a retry from a different request.
    Idempotency,
    /// The client's Idempotency-Key itself, which a client may fill with anything.
    IdempotencyKey,
    /// A booking's code, drawn from its Idempotency-Key's hash: the key's retry finds the
    /// booking by its code, and nobody without the secret can tell the code from the key.
    BookingCode,
    /// A phone number, for the rules that count a phone's bookings and samples; a no-show
    /// keeps it past erasure, for the no-show pause.
    Phone,
    /// A code sent to verify a phone, with the phone (`--verify-phones`).
    PhoneCode,
    /// The token a verified phone gets.
    PhoneToken,
    /// A throttle's key (a code, a username, a client address), with its scope: a plain
    /// digest of an address is undone by trying the 2^32 IPv4 addresses.
    Throttle,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Idempotency => b"labday/v1/idempotency",
            Purpose::IdempotencyKey => b"labday/v1/idempotency-key",
            Purpose::BookingCode => b"labday/v1/booking-code",
            Purpose::Phone => b"labday/v1/phone",
            Purpose::PhoneCode => b"labday/v1/phone-code",
            Purpose::PhoneToken => b"labday/v1/phone-token",
            Purpose::Throttle => b"labday/v1/throttle",
        }
    }
}

/// HMAC-SHA256 under per-purpose keys derived from the server secret.
#[derive(Clone)]
pub struct KeyedHash {
    idempotency: HmacSha256,
    idempotency_key: HmacSha256,
    booking_code: HmacSha256,
    phone: HmacSha256,
    phone_code: HmacSha256,
    phone_token: HmacSha256,
    throttle: HmacSha256,
}

impl KeyedHash {
    pub fn new(secret: &ServerSecret) -> KeyedHash {
        let keyed = |purpose: Purpose| {
            let mut derive = hmac_under(&secret.0);
            derive.update(purpose.label());
            hmac_under(&derive.finalize().into_bytes().into())
        };
        KeyedHash {
            idempotency: keyed(Purpose::Idempotency),
            idempotency_key: keyed(Purpose::IdempotencyKey),
            booking_code: keyed(Purpose::BookingCode),
            phone: keyed(Purpose::Phone),
            phone_code: keyed(Purpose::PhoneCode),
            phone_token: keyed(Purpose::PhoneToken),
            throttle: keyed(Purpose::Throttle),
        }
    }

    /// The digest kept for a request body in its canonical form: equal bodies, equal digests.
    pub fn request_digest(&self, canonical: &[u8]) -> String {
        hex(&self.idempotency, canonical)
    }

    /// What is stored in place of a client's Idempotency-Key.
    pub fn idempotency_key(&self, key: &str) -> String {
        hex(&self.idempotency_key, key.as_bytes())
    }

    /// What is stored in place of the console's Idempotency-Key for a walk-in: the key under
    /// a purpose of its own, so that no citizen's key reads as a walk-in's in the column
    /// both keep their keys in (nor a walk-in's as a citizen's booking).
    pub fn walk_in_key(&self, key: &str) -> String {
        hex(&self.idempotency_key, format!("walk-in\0{key}").as_bytes())
    }

    /// The code a booking made with the Idempotency-Key stored as `key_hash`
    /// ([`Self::idempotency_key`]) takes at its `draw`th try: the same key draws the same
    /// codes in every process that shares the secret. Two keys may draw the same code (8
    /// characters of 30); the next draw of the later one then differs.
    pub fn booking_code(&self, key_hash: &str, draw: u8) -> BookingCode {
        let mut mac = self.booking_code.clone();
        mac.update(key_hash.as_bytes());
        mac.update(&[0, draw]);
        let digest = mac.finalize().into_bytes();
        let mut bytes = [0u8; CODE_LEN];
        bytes.copy_from_slice(&digest[..CODE_LEN]);
        BookingCode::from_random(bytes)
    }

    /// What the rules know a phone number by (its digits as stored, `Phone::as_str`); all
    /// that a no-show keeps of it after erasure.
    pub fn phone(&self, digits: &str) -> String {
        hex(&self.phone, digits.as_bytes())
    }

    /// What is stored of a code sent to verify a phone: six digits alone are a million
    /// guesses, so the hash is keyed, and bound to the phone.
    pub fn phone_code(&self, digits: &str, code: &str) -> String {
        hex(&self.phone_code, format!("{digits}:{code}").as_bytes())
    }

    /// What is stored of a verified phone's token.
    pub fn phone_token(&self, token: &str) -> String {
        hex(&self.phone_token, token.as_bytes())
    }

    /// What the `throttles` table keeps of a key counted under `scope` (a throttle's own
    /// name, so equal texts of two throttles never share a count).
    pub fn throttle(&self, scope: &str, key: &str) -> String {
        let mut message = Vec::with_capacity(scope.len() + 1 + key.len());
        message.extend(scope.as_bytes());
        message.push(0);
        message.extend(key.as_bytes());
        hex(&self.throttle, &message)
    }
}

impl std::fmt::Debug for KeyedHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyedHash(..)")
    }
}

/// HMAC under a 32-byte key. HMAC pads a short key with zeros to the hash's block, so
/// passing the padded block is the same HMAC, without a length check that cannot fail.
fn hmac_under(key: &[u8; SECRET_LEN]) -> HmacSha256 {
    let mut block = [0u8; 64];
    block[..SECRET_LEN].copy_from_slice(key);
    <HmacSha256 as hmac::digest::KeyInit>::new(&block.into())
}

fn hex(key: &HmacSha256, message: &[u8]) -> String {
    let mut mac = key.clone();
    mac.update(message);
    lower_hex(&mac.finalize().into_bytes())
}

/// `bytes` in lower-case hex, two digits each. One allocation: a phone's hash is made
/// several times per booking, and a `format!` per byte was 3 % of a booking's CPU.
pub fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        text.push(char::from(DIGITS[usize::from(b >> 4)]));
        text.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_inputs_hash_equal_and_purposes_never_collide() {
        let secret = ServerSecret::generate();
        let keys = KeyedHash::new(&secret);
        assert_eq!(keys.phone("13800138000"), keys.phone("13800138000"));
        assert_ne!(keys.phone("13800138000"), keys.phone("13800138001"));
        assert_ne!(
            keys.phone("13800138000"),
            keys.idempotency_key("13800138000")
        );
        assert_ne!(
            keys.idempotency_key("k"),
            keys.request_digest(b"k"),
            "a key and a body never share a digest"
        );
        assert_eq!(keys.phone("13800138000").len(), 64);
    }

    #[test]
    fn a_key_draws_the_same_codes_under_one_secret_and_others_under_another() {
        let keys = KeyedHash::new(&ServerSecret::generate());
        let key = keys.idempotency_key("k");
        let draws: Vec<String> = (0..3)
            .map(|d| keys.booking_code(&key, d).as_str().to_owned())
            .collect();
        let again: Vec<String> = (0..3)
            .map(|d| keys.booking_code(&key, d).as_str().to_owned())
            .collect();
        assert_eq!(draws, again, "a retry draws the codes its first try drew");
        assert_ne!(draws[0], draws[1]);
        assert_ne!(draws[1], draws[2]);
        for code in &draws {
            assert_eq!(
                BookingCode::parse(code).map(|c| c.as_str().to_owned()),
                Ok(code.clone()),
                "a drawn code is one a holder can type back"
            );
        }
        let other_key = keys.idempotency_key("l");
        assert_ne!(keys.booking_code(&other_key, 0).as_str(), draws[0]);
        let elsewhere = KeyedHash::new(&ServerSecret::generate());
        assert_ne!(
            elsewhere.booking_code(&key, 0).as_str(),
            draws[0],
            "without the secret the key does not tell the code"
        );
    }

    #[test]
    fn hex_is_two_lower_case_digits_a_byte_as_stored_before() {
        let every: Vec<u8> = (0..=255).collect();
        let by_format: String = every.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(lower_hex(&every), by_format);
        assert_eq!(lower_hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(lower_hex(&[]), "");
    }

    #[test]
    fn another_secret_gives_other_hashes() {
        let a = KeyedHash::new(&ServerSecret::generate());
        let b = KeyedHash::new(&ServerSecret::generate());
        assert_ne!(a.phone("13800138000"), b.phone("13800138000"));
    }

    #[test]
    fn a_stored_secret_reads_back_the_same() {
        let secret = ServerSecret::generate();
        let again = ServerSecret::from_hex(&secret.to_hex()).expect("hex");
        assert_eq!(
            KeyedHash::new(&secret).phone("13800138000"),
            KeyedHash::new(&again).phone("13800138000")
        );
        assert!(ServerSecret::from_hex("abc").is_none());
        assert!(ServerSecret::from_hex(&"zz".repeat(SECRET_LEN)).is_none());
    }

    #[test]
    fn the_secret_never_prints() {
        let secret = ServerSecret::generate();
        let hex = secret.to_hex();
        assert_eq!(format!("{secret:?}"), "ServerSecret(..)");
        let keys = KeyedHash::new(&secret);
        assert!(!format!("{keys:?}").contains(&hex[..8]));
    }
}
